import Synchronization

/// The request-duration histogram of one label set (front, method), recorded on every request.
///
/// swift-prometheus' `Histogram<Duration>` took a lock and compared the value with every bucket
/// bound, 16 `Duration` comparisons that do not inline, plus a `Duration` add: ~2 % of a light
/// GetMetrics call. Here a record is one lock, a scan of integer nanosecond bounds that stops at
/// the first bucket the value fits, and three integer adds; the cumulative counts Prometheus
/// wants are summed at scrape time. The text is the one swift-prometheus wrote for a duration
/// histogram (same `le` and sum spelling), so scrapers and dashboards see no change.
final class LatencyHistogram: Sendable {
    /// Upper bounds, ascending, in nanoseconds.
    let bounds: [Int64]
    /// `front="grpc",method="GetMetrics"`: written once, copied into each line.
    private let labels: String
    private let state: Mutex<State>

    struct State {
        /// Per bucket, the requests whose duration is above the previous bound and at most this
        /// one; the last entry counts those above every bound.
        var counts: [Int]
        var sumNanoseconds: Int64 = 0
        var count = 0
    }

    init(bounds: [Duration], labels: [(String, String)]) {
        self.bounds = bounds.map { Self.nanoseconds($0) }
        self.labels = labels.map { "\($0.0)=\"\(Self.escapedLabelValue($0.1))\"" }.joined(separator: ",")
        state = Mutex(State(counts: Array(repeating: 0, count: bounds.count + 1)))
    }

    func record(nanoseconds: Int64) {
        let value = max(0, nanoseconds)
        var bucket = 0
        while bucket < bounds.count && value > bounds[bucket] { bucket += 1 }
        state.withLock { s in
            s.counts[bucket] += 1
            s.sumNanoseconds &+= value
            s.count += 1
        }
    }

    var snapshot: State { state.withLock { $0 } }

    /// The `_bucket` (cumulative, then `+Inf`), `_sum` and `_count` lines of this label set.
    func render(name: String, into out: inout String) {
        let s = snapshot
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += s.counts[i]
            out += "\(name)_bucket{\(labels),le=\"\(Self.seconds(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(labels),le=\"+Inf\"} \(s.count)\n"
        out += "\(name)_sum{\(labels)} \(Self.seconds(s.sumNanoseconds))\n"
        out += "\(name)_count{\(labels)} \(s.count)\n"
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Seconds as swift-prometheus spells a `Duration`: whole seconds, a point, then the
    /// fraction without trailing zeros ("0" when there is none): 0.0001, 0.05, 1.0, 2.5.
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        guard fraction != 0 else { return "\(whole).0" }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// Backslash, double quote and line feed escaped, as the exposition format requires.
    static func escapedLabelValue(_ value: String) -> String {
        var out = ""
        for ch in value.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
