public import Logging
import MetricsAPI
public import NIOCore
public import Prometheus
import RateLimiting
import Synchronization

/// The server's own metrics, served as Prometheus text at `GET /metrics` (docs/operations.md
/// lists every series). Outcomes are counted by front, method and gRPC status code: h2load only
/// sees HTTP 200 for gRPC, so load tests read these to tell OK from rejected.
///
/// Hot path: each request costs one relaxed atomic add on a counter found by array index (the
/// Prometheus objects are created once per label set, on first use, and cached), plus one
/// histogram record for calls that pass their start time.
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
    static let methodCount = Method.allCases.count
    static let requestsHelp = "Requests answered, by front, method and gRPC status code (REST answers too)."
    static let latencyHelp = "Time from request head to the end of the answer."
    /// 100 µs to 10 s: a cached GetMetrics answers in well under a millisecond; a deadline or a
    /// test delay lands in the upper buckets.
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    static let fsyncBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// Everything below is registered here; `prometheusText()` renders it.
    public let registry = PrometheusCollectorRegistry()

    private let requests: [LazyMetric<Counter>]
    /// Rendered after the registry's text (`LatencyHistogram` says why it is not the registry's).
    private let latency: [LazyMetric<LatencyHistogram>]
    private let rejectedConcurrent: Counter
    private let rejectedPerMinute: Counter
    private let eventsApplied: Counter
    private let eventsRejected: Counter
    private let duplicateBatches: Counter
    private let demoApplied: Counter
    private let demoRejected: Counter
    /// Nothing records it yet: the write-ahead log does not exist (docs/operations.md).
    private let walFsync: DurationHistogram
    private let inFlight: Gauge
    /// Handlers entered minus requests recorded.
    private let inFlightCount = Atomic<Int>(0)
    /// Run at each scrape to set gauges that are read, not counted (connections, core sizes).
    private let collectors = Mutex<[@Sendable (ServerStats) -> Void]>([])
    /// When set, one line per finished request (`--log-requests`): front, method, code and
    /// duration only; never a token or a body.
    private let requestLogger: Logger?
    /// One line per request that failed on our side (INTERNAL, UNKNOWN, DATA_LOSS), flag or not.
    private let errorLogger: Logger?

    public init(requestLogger: Logger? = nil, errorLogger: Logger? = nil) {
        self.requestLogger = requestLogger
        self.errorLogger = errorLogger
        let registry = self.registry
        var requests: [LazyMetric<Counter>] = []
        for f in Front.allCases {
            for m in Method.allCases {
                for c in 0..<Self.codes {
                    let labels = [("front", f.label), ("method", m.label), ("code", APIError.Code(rawValue: c).name)]
                    requests.append(LazyMetric {
                        registry.makeCounter(descriptor: .named("metricsd_requests_total", Self.requestsHelp), labels: labels)
                    })
                }
            }
        }
        self.requests = requests
        latency = Front.allCases.flatMap { f in
            Method.allCases.map { m in
                LazyMetric { LatencyHistogram(bounds: Self.latencyBuckets, labels: [("front", f.label), ("method", m.label)]) }
            }
        }
        let rejections = "Requests rejected by the rate limiter, by reason."
        let rejected = MetricNameDescriptor.named("metricsd_rate_limit_rejections_total", rejections)
        rejectedConcurrent = registry.makeCounter(descriptor: rejected, labels: [("reason", "concurrent")])
        rejectedPerMinute = registry.makeCounter(descriptor: rejected, labels: [("reason", "per_minute")])
        let events = "Events received through PublishEvents (both fronts), by outcome."
        eventsApplied = registry.makeCounter(descriptor: .named("metricsd_events_total", events), labels: [("outcome", "applied")])
        eventsRejected = registry.makeCounter(descriptor: .named("metricsd_events_total", events), labels: [("outcome", "rejected")])
        duplicateBatches = registry.makeCounter(descriptor: .named(
            "metricsd_duplicate_batches_total",
            "PublishEvents batches acknowledged again without applying (sequence already seen)."))
        let demo = "Events the --demo simulator applied to its own account, by outcome."
        demoApplied = registry.makeCounter(descriptor: .named("metricsd_demo_events_total", demo), labels: [("outcome", "applied")])
        demoRejected = registry.makeCounter(descriptor: .named("metricsd_demo_events_total", demo), labels: [("outcome", "rejected")])
        walFsync = registry.makeDurationHistogram(
            descriptor: .named(
                "metricsd_wal_fsync_duration_seconds", "Write-ahead log fsync latency (empty until the write-ahead log exists)."),
            buckets: Self.fsyncBuckets)
        inFlight = registry.makeGauge(descriptor: .named(
            "metricsd_requests_in_flight", "Requests (HTTP/2 streams and HTTP/1.1 exchanges) a front is working on."))
    }

    // MARK: Recording (hot path)

    private static func index(_ front: Front, _ method: Method, _ code: APIError.Code) -> Int {
        let c = min(max(code.rawValue, 0), Self.codes - 1)
        return (front.rawValue * Self.methodCount + method.rawValue) * Self.codes + c
    }

    /// One finished request. Pass `since` (when the request head arrived) to time it.
    public func record(_ front: Front, _ method: Method, _ code: APIError.Code, since start: NIODeadline? = nil) {
        requests[Self.index(front, method, code)].value.increment()
        inFlightCount.subtract(1, ordering: .relaxed)
        var elapsed: Int64 = -1
        if let start {
            elapsed = (NIODeadline.now() - start).nanoseconds
            latency[front.rawValue * Self.methodCount + method.rawValue].value.record(nanoseconds: elapsed)
        }
        if code == .internalError || code == .unknown || code == .dataLoss, let errorLogger {
            errorLogger.error("request failed", metadata: [
                "front": "\(front.label)", "method": "\(method.label)", "code": "\(code.name)",
            ])
        }
        if let requestLogger {
            var metadata: Logger.Metadata = ["front": "\(front.label)", "method": "\(method.label)", "code": "\(code.name)"]
            if elapsed >= 0 { metadata["duration_ms"] = "\(Double(elapsed / 1000) / 1000)" }
            requestLogger.info("request", metadata: metadata)
        }
    }

    /// A handler was entered; `record` is its end. Requests that never enter a handler (the
    /// server's own 413/431 answers) and scrapes of `/metrics` count neither way.
    public func requestStarted() {
        inFlightCount.add(1, ordering: .relaxed)
    }

    public func recordRejection(_ reason: RateLimitDecision.Reason) {
        (reason == .concurrency ? rejectedConcurrent : rejectedPerMinute).increment()
    }

    public func recordEvents(applied: Int, rejected: Int, duplicate: Bool) {
        if applied > 0 { eventsApplied.increment(by: Int64(applied)) }
        if rejected > 0 { eventsRejected.increment(by: Int64(rejected)) }
        if duplicate { duplicateBatches.increment() }
    }

    public func recordDemoEvents(applied: Int, rejected: Int) {
        if applied > 0 { demoApplied.increment(by: Int64(applied)) }
        if rejected > 0 { demoRejected.increment(by: Int64(rejected)) }
    }

    /// For the write-ahead log, once it exists.
    public func recordWALFsync(_ duration: Duration) {
        walFsync.record(duration)
    }

    // MARK: Reading

    /// Requests answered so far with this outcome, read back from the rendered text (tests;
    /// Prometheus' `Counter` has no getter).
    public func count(_ front: Front, _ method: Method, _ code: APIError.Code) -> Int {
        let series = "metricsd_requests_total{front=\"\(front.label)\",method=\"\(method.label)\",code=\"\(code.name)\"} "
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(series) {
            return Int(line.dropFirst(series.count)) ?? 0
        }
        return 0
    }

    /// Handlers entered and not yet answered.
    public var requestsInFlight: Int { inFlightCount.load(ordering: .relaxed) }

    /// Adds a function run at each scrape, to set gauges from state read at that moment.
    public func addCollector(_ collect: @escaping @Sendable (ServerStats) -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    /// Prometheus text exposition format (version 0.0.4).
    public func prometheusText() -> String {
        for collect in collectors.withLock({ $0 }) { collect(self) }
        inFlight.set(Int64(requestsInFlight))
        var text = registry.emitToString()
        let timed = latency.compactMap { $0.peek() }
        if !timed.isEmpty {
            let name = "metricsd_request_duration_seconds"
            text += "# HELP \(name) \(Self.latencyHelp)\n# TYPE \(name) histogram\n"
            for histogram in timed { histogram.render(name: name, into: &text) }
        }
        return text
    }
}
