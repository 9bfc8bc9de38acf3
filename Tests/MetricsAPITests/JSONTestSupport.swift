@testable import MetricsAPI
import MetricsCore

/// Property tests draw one UInt64 seed from PropertyBased (so a failure reports a reproducible
/// seed) and build whole messages from it with the core's SplitMix64.
typealias SplitMix = SplitMix64

enum Random {
    /// Strings that exercise escaping: quotes, backslashes, control characters, non-ASCII.
    static let pieces: [String] = [
        "a", "Z", "0", "_", "-", ".", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}",
        "\u{e9}", "\u{4e2d}", "\u{1F600}", "key", "42", "null", "{", "]", ",", ":",
    ]

    static func string(_ rng: inout SplitMix, maxPieces: Int = 6) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...maxPieces, using: &rng) { s += pieces.randomElement(using: &rng)! }
        return s
    }

    static func strings(_ rng: inout SplitMix) -> [String] {
        (0..<Int.random(in: 0...3, using: &rng)).map { _ in string(&rng) }
    }

    static func int64(_ rng: inout SplitMix) -> Int64 {
        switch Int.random(in: 0...3, using: &rng) {
        case 0: return Int64.random(in: -1000...1000, using: &rng)
        case 1: return [Int64.min, Int64.max, 0, -1].randomElement(using: &rng)!
        default: return Int64.random(in: Int64.min...Int64.max, using: &rng)
        }
    }

    static func double(_ rng: inout SplitMix) -> Double {
        switch Int.random(in: 0...3, using: &rng) {
        case 0: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 1000
        case 1: return [0, 0.1, 1e-7, 1e300, -2.5, 1e16].randomElement(using: &rng)!
        default:
            let bits = UInt64.random(in: 0...UInt64.max, using: &rng)
            let d = Double(bitPattern: bits)
            return d.isFinite ? d : 1.5
        }
    }

    static func optional<T>(_ rng: inout SplitMix, _ make: (inout SplitMix) -> T) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    static func filters(_ rng: inout SplitMix) -> Filters {
        var f = Filters()
        f.time = optional(&rng) { TimeRange(fromMs: int64(&$0), toMs: int64(&$0)) }
        f.agentIds = strings(&rng)
        f.agentGroupIds = strings(&rng)
        f.skillIds = strings(&rng)
        f.userTypes = strings(&rng)
        f.includeSubGroups = Bool.random(using: &rng)
        return f
    }

    /// A request body (the URL fields stay at their defaults: the body does not carry them).
    static func requestBody(_ rng: inout SplitMix) -> GetMetricsRequest {
        var r = GetMetricsRequest()
        r.filters = optional(&rng, filters)
        r.metricsToRetrieveByTime = strings(&rng)
        r.metricsToRetrieveCurrentValue = strings(&rng)
        r.responseSections = strings(&rng)
        r.groupBy = string(&rng)
        return r
    }

    static func metrics(_ rng: inout SplitMix) -> Metrics {
        var m = Metrics()
        for metric in Metric.allCases where Bool.random(using: &rng) {
            switch metric.valueType {
            case .count: m[metric] = .count(int64(&rng))
            case .double: m[metric] = .double(double(&rng))
            }
        }
        return m
    }

    static func link(_ rng: inout SplitMix) -> Link {
        Link(rel: string(&rng), href: string(&rng, maxPieces: 12))
    }

    static func response(_ rng: inout SplitMix) -> GetMetricsResponse {
        var r = GetMetricsResponse()
        r.metadata = optional(&rng) { rng in
            var m = Metadata()
            m.count = int64(&rng)
            m.first = optional(&rng, link)
            m.prev = optional(&rng, link)
            m.`self` = optional(&rng, link)
            m.next = optional(&rng, link)
            m.last = optional(&rng, link)
            return m
        }
        r.groupBy = optional(&rng) { rng in
            var s = GroupBySection()
            s.groupByField = string(&rng)
            s.groups = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                Group(key: string(&rng), keyDescription: string(&rng), metrics: optional(&rng, metrics))
            }
            return s
        }
        r.all = optional(&rng) { AllSection(metrics: optional(&$0, metrics)) }
        return r
    }

    static func event(_ rng: inout SplitMix) -> EventMessage {
        var e = EventMessage()
        e.type = string(&rng)
        e.time = int64(&rng)
        e.skillId = string(&rng)
        e.name = string(&rng)
        e.agentGroupId = string(&rng)
        e.parentGroupId = optional(&rng) { string(&$0) }
        e.agentId = string(&rng)
        e.userType = string(&rng)
        e.skillIds = strings(&rng)
        e.maxSlots = optional(&rng) { Int32(truncatingIfNeeded: int64(&$0)) }
        e.state = string(&rng)
        e.conversationId = string(&rng)
        e.weight = optional(&rng, double)
        e.closedBy = string(&rng)
        return e
    }

    static func publishRequest(_ rng: inout SplitMix) -> PublishEventsRequest {
        var r = PublishEventsRequest()
        r.producerId = string(&rng)
        r.sequence = int64(&rng)
        r.events = (0..<Int.random(in: 0...4, using: &rng)).map { _ in event(&rng) }
        return r
    }

    static func publishResponse(_ rng: inout SplitMix) -> PublishEventsResponse {
        var r = PublishEventsResponse()
        r.applied = int64(&rng)
        r.rejected = int64(&rng)
        r.duplicate = Bool.random(using: &rng)
        r.rejections = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            Rejection(index: Int32.random(in: Int32.min...Int32.max, using: &rng), reason: string(&rng))
        }
        return r
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
