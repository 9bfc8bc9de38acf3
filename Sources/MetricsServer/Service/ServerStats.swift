import MetricsAPI
import RateLimiting
import Synchronization

/// The server's own count of outcomes, by front, method and gRPC status code. h2load only sees
/// HTTP 200 for gRPC, so load tests read these to tell OK from rejected (`GET /metrics`).
public final class ServerStats: Sendable {
    public enum Front: Int, CaseIterable, Sendable {
        case grpc, rest
        var label: String { self == .grpc ? "grpc" : "rest" }
    }

    public enum Method: Int, CaseIterable, Sendable {
        case getMetrics, publishEvents, healthCheck, healthWatch, reflection, other
        var label: String {
            switch self {
            case .getMetrics: "GetMetrics"
            case .publishEvents: "PublishEvents"
            case .healthCheck: "Health/Check"
            case .healthWatch: "Health/Watch"
            case .reflection: "ServerReflectionInfo"
            case .other: "other"
            }
        }
    }

    static let codes = 17
    private let requests = Mutex([Int](repeating: 0, count: Front.allCases.count * Method.allCases.count * ServerStats.codes))
    private let rejections = Mutex([0, 0])  // concurrency, rate
    private let events = Mutex((applied: 0, rejected: 0, duplicateBatches: 0))

    public init() {}

    public func record(_ front: Front, _ method: Method, _ code: APIError.Code) {
        let c = min(max(code.rawValue, 0), ServerStats.codes - 1)
        let i = (front.rawValue * Method.allCases.count + method.rawValue) * ServerStats.codes + c
        requests.withLock { $0[i] += 1 }
    }

    public func recordRejection(_ reason: RateLimitDecision.Reason) {
        rejections.withLock { $0[reason == .concurrency ? 0 : 1] += 1 }
    }

    public func recordEvents(applied: Int, rejected: Int, duplicate: Bool) {
        events.withLock {
            $0.applied += applied
            $0.rejected += rejected
            if duplicate { $0.duplicateBatches += 1 }
        }
    }

    public func count(_ front: Front, _ method: Method, _ code: APIError.Code) -> Int {
        let i = (front.rawValue * Method.allCases.count + method.rawValue) * ServerStats.codes + code.rawValue
        return requests.withLock { $0[i] }
    }

    /// Prometheus text exposition format.
    public func prometheusText() -> String {
        let snapshot = requests.withLock { $0 }
        var out = "# HELP metricsd_requests_total Requests answered, by front, method and gRPC status code.\n"
        out += "# TYPE metricsd_requests_total counter\n"
        for f in Front.allCases {
            for m in Method.allCases {
                for c in 0..<ServerStats.codes {
                    let n = snapshot[(f.rawValue * Method.allCases.count + m.rawValue) * ServerStats.codes + c]
                    guard n > 0 else { continue }
                    let code = APIError.Code(rawValue: c)
                    out += "metricsd_requests_total{front=\"\(f.label)\",method=\"\(m.label)\",code=\"\(code.name)\"} \(n)\n"
                }
            }
        }
        let r = rejections.withLock { $0 }
        out += "# HELP metricsd_rate_limit_rejections_total Requests rejected by the rate limiter, by reason.\n"
        out += "# TYPE metricsd_rate_limit_rejections_total counter\n"
        out += "metricsd_rate_limit_rejections_total{reason=\"concurrent\"} \(r[0])\n"
        out += "metricsd_rate_limit_rejections_total{reason=\"per_minute\"} \(r[1])\n"
        let e = events.withLock { $0 }
        out += "# HELP metricsd_events_total Events received, by outcome.\n"
        out += "# TYPE metricsd_events_total counter\n"
        out += "metricsd_events_total{outcome=\"applied\"} \(e.applied)\n"
        out += "metricsd_events_total{outcome=\"rejected\"} \(e.rejected)\n"
        out += "metricsd_duplicate_batches_total \(e.duplicateBatches)\n"
        return out
    }
}
