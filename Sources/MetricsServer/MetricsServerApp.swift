public import HTTP2Server
public import Logging
import MetricsCore
public import NIOCore
import NIOPosix
public import RateLimiting
public import ServiceLifecycle
import Synchronization

/// Everything `metricsd serve` runs: the service, both fronts on one HTTP/2 + HTTP/1.1 port,
/// the optional live demo account, and retention. The executable only parses flags and runs
/// it in a `ServiceGroup`: `run()` serves until graceful shutdown is triggered.
public final class MetricsServerApp: Service, Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var tokens: TokensFile?
        public var noAuth = false
        public var defaultLimits = RateLimits.default
        public var demo = false
        public var demoSeed: UInt64 = 42
        public var testHooks = false
        public var eventLoopThreads = System.coreCount
        /// Where the write-ahead log lives; nil keeps everything in memory only.
        public var dataDirectory: String?
        /// Truncate the log at damage in its middle instead of refusing to start.
        public var repairLog = false
        /// When snapshots of the state are written (docs/durability.md).
        public var snapshots = MetricsService.SnapshotOptions()
        /// After health turns NOT_SERVING, keep accepting this long so load balancers notice.
        public var drainDelay: TimeAmount = .zero
        /// In-flight requests get this long to finish after GOAWAY; then connections are closed.
        public var shutdownGrace: TimeAmount = .seconds(10)
        /// One log line per finished request (front, method, code, duration).
        public var logRequests = false

        public init() {}
    }

    public static let demoAccount = "demo"

    public let configuration: Configuration
    public let service: MetricsService
    public let health = HealthState()
    public let server: HTTP2Server
    public let logger: Logger
    let group: MultiThreadedEventLoopGroup
    private let background = Mutex<[RepeatedTask]>([])
    private let demoFeed = Mutex<Simulator?>(nil)

    public init(
        configuration: Configuration, logger: Logger = Logger(label: "metricsd"),
        clock: @escaping @Sendable () -> Int64 = MetricsServerApp.wallClockMs
    ) {
        self.configuration = configuration
        self.logger = logger
        let authenticator = Authenticator(
            tokens: configuration.tokens, defaultLimits: configuration.defaultLimits, noAuth: configuration.noAuth)
        let stats = ServerStats(requestLogger: configuration.logRequests ? logger : nil, errorLogger: logger)
        service = MetricsService(authenticator: authenticator, stats: stats, clock: clock)
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let router: any HTTPHandler = Router(
            grpc: GRPCFront(service: service, health: health, reflection: ReflectionService(descriptors: .shared),
                            testHooks: configuration.testHooks),
            rest: RESTGateway(service: service, health: health, testHooks: configuration.testHooks))
        var http = HTTP2Server.Configuration(host: configuration.host, port: configuration.port)
        // A read's worth (up to 64 KiB) and more past the fronts' own 4 MiB limits, so that the
        // fronts answer an oversized body (REST: a JSON 413), not the transport's bare 413.
        http.maxRequestBodySize = GRPCFront.maxMessageBytes + 5 + (1 << 20)
        http.logger = { line in logger.warning("connection error", metadata: ["error": "\(line)"]) }
        server = HTTP2Server(configuration: http, group: group, handler: InFlightCounter(inner: router, stats: stats))
        let gauges = ServerGauges(stats.registry)
        stats.addCollector { [server, health, service] _ in
            gauges.set(connections: server.connectionCount, serving: health.isServing, sizes: CoreSizes.read(service.registry))
        }
    }

    public static let wallClockMs: @Sendable () -> Int64 = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Loads the demo (if asked), binds, and starts the background work. Returns the bound address.
    public func start() async throws -> SocketAddress {
        // Recovery before binding, so no request sees a half-replayed core.
        if let directory = configuration.dataDirectory {
            var snapshots = configuration.snapshots
            snapshots.log = { [logger] in logger.info("\($0)") }
            _ = try service.openLog(directory: directory, repair: configuration.repairLog, snapshots: snapshots) {
                logger.info("\($0)")
            }
        } else {
            logger.info("recovery: no data dir, starting empty (in memory only)", metadata: ["replayed_events": "0"])
        }
        if configuration.demo { loadDemo() }
        let address: SocketAddress
        do {
            address = try await server.start()
        } catch {
            logger.error("cannot listen", metadata: [
                "host": "\(configuration.host)", "port": "\(configuration.port)", "error": "\(error)",
            ])
            throw error
        }
        logger.info("started", metadata: [
            "address": "\(address)", "demo": "\(configuration.demo)", "auth": "\(configuration.noAuth ? "off" : "tokens")",
            "threads": "\(configuration.eventLoopThreads)", "log_requests": "\(configuration.logRequests)",
        ])
        let loop = group.next()
        let service = self.service
        var tasks = [loop.scheduleRepeatedTask(initialDelay: .seconds(60), delay: .seconds(60)) { _ in service.prune() }]
        if configuration.demo {
            tasks.append(loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in feedDemo() })
        }
        background.withLock { $0 = tasks }
        return address
    }

    /// 24 h of simulated history up to now, then the same simulation keeps running live.
    private func loadDemo() {
        let now = service.clock()
        var config = SimulatorConfig.demo(startMs: now - 86_400_000)
        config.durationMs = 2 * 86_400_000
        config.conversations *= 2
        demoFeed.withLock { $0 = Simulator(seed: configuration.demoSeed, config: config) }
        feedDemo()
    }

    private func feedDemo() {
        let now = service.clock()
        let events = demoFeed.withLock { $0?.events(until: now) ?? [] }
        if !events.isEmpty {
            let (applied, rejected) = service.applyLocal(events, account: Self.demoAccount)
            service.stats.recordDemoEvents(applied: applied, rejected: rejected)
        }
    }

    /// Serves until graceful shutdown is triggered (SIGTERM/SIGINT through the `ServiceGroup`),
    /// then shuts down. Call `start()` first to learn the bound address.
    public func run() async throws {
        if server.localAddress == nil { _ = try await start() }
        // Cancellation (a second signal, or the group giving up) also ends the wait.
        try? await gracefulShutdown()
        await shutdown()
    }

    /// SIGTERM path: health NOT_SERVING first (and for `drainDelay` the listener stays open so
    /// load balancers see it), then stop accepting and GOAWAY; in-flight requests finish within
    /// `shutdownGrace`; then the loops stop.
    public func shutdown() async {
        let began = NIODeadline.now()
        health.setServing(false)
        logger.info("shutdown: health NOT_SERVING", metadata: [
            "in_flight": "\(service.stats.requestsInFlight)", "connections": "\(server.connectionCount)",
        ])
        background.withLock { tasks in
            for t in tasks { t.cancel() }
            tasks = []
        }
        if configuration.drainDelay > .zero {
            try? await Task.sleep(nanoseconds: UInt64(configuration.drainDelay.nanoseconds))
        }
        await server.shutdownGracefully(timeout: configuration.shutdownGrace)
        // After the last request was answered and before the loops stop.
        if let line = service.closeLog() { logger.info("\(line)") }
        try? await group.shutdownGracefully()
        let ms = (NIODeadline.now() - began).nanoseconds / 1_000_000
        logger.info("stopped", metadata: ["shutdown_ms": "\(ms)", "left_in_flight": "\(service.stats.requestsInFlight)"])
    }
}
