public import HTTP2Server
public import MetricsCore
public import NIOCore
import NIOPosix
public import RateLimiting
import Synchronization

/// Everything `metricsd serve` runs: the service, both fronts on one HTTP/2 + HTTP/1.1 port,
/// the optional live demo account, and retention. The executable only parses flags and
/// handles signals.
public final class MetricsServerApp: Sendable {
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

        public init() {}
    }

    public static let demoAccount = "demo"

    public let configuration: Configuration
    public let service: MetricsService
    public let health = HealthState()
    public let server: HTTP2Server
    let group: MultiThreadedEventLoopGroup
    private let background = Mutex<[RepeatedTask]>([])
    private let demoFeed = Mutex<Simulator?>(nil)

    public init(configuration: Configuration, clock: @escaping @Sendable () -> Int64 = MetricsServerApp.wallClockMs) {
        self.configuration = configuration
        let authenticator = Authenticator(
            tokens: configuration.tokens, defaultLimits: configuration.defaultLimits, noAuth: configuration.noAuth)
        service = MetricsService(authenticator: authenticator, clock: clock)
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let router = Router(
            grpc: GRPCFront(service: service, health: health, reflection: ReflectionService(descriptors: .shared),
                            testHooks: configuration.testHooks),
            rest: RESTGateway(service: service, health: health, testHooks: configuration.testHooks))
        var http = HTTP2Server.Configuration(host: configuration.host, port: configuration.port)
        http.maxRequestBodySize = GRPCFront.maxMessageBytes + 5 + 1024
        server = HTTP2Server(configuration: http, group: group, handler: router)
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
            _ = try service.openLog(directory: directory, repair: configuration.repairLog) { Self.logLine($0) }
        }
        if configuration.demo { loadDemo() }
        let address = try await server.start()
        let loop = group.next()
        let service = self.service
        var tasks = [loop.scheduleRepeatedTask(initialDelay: .seconds(60), delay: .seconds(60)) { _ in service.prune() }]
        if configuration.demo {
            tasks.append(loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in feedDemo() })
        }
        background.withLock { $0 = tasks }
        return address
    }

    /// stderr, unbuffered, until the logger lands.
    private static func logLine(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
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
        if !events.isEmpty { _ = service.applyLocal(events, account: Self.demoAccount) }
    }

    /// SIGTERM path: NOT_SERVING first, then GOAWAY and drain, then stop the loops.
    public func shutdown(grace: TimeAmount = .seconds(10)) async {
        health.setServing(false)
        background.withLock { tasks in
            for t in tasks { t.cancel() }
            tasks = []
        }
        await server.shutdownGracefully(timeout: grace)
        if let line = service.closeLog() { Self.logLine(line) }
        try? await group.shutdownGracefully()
    }
}
