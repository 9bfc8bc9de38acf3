import ArgumentParser
import Foundation
import Logging
import Metrics
import MetricsServer
import NIOCore
import Prometheus
import RateLimiting
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve gRPC and REST on one port until SIGTERM or SIGINT.",
        discussion: """
            Every setting can also come from an environment variable METRICSD_<NAME> (named in \
            each option's help) or from a JSON config file (--config, or METRICSD_CONFIG) whose \
            keys are the option names without dashes in front, e.g. {"port": 9090, \
            "max-per-minute": 600, "demo": true}. A flag wins over the environment, which wins \
            over the file. An invalid value or an unknown key stops the server at start, naming it.

            SIGTERM or SIGINT: health turns NOT_SERVING, new connections are refused (after \
            --drain-delay), HTTP/2 clients get GOAWAY, in-flight requests finish within \
            --shutdown-grace, and the process exits 0. A second signal exits at once (code 1).
            """)

    @Option(help: "JSON config file of the settings below (env METRICSD_CONFIG).") var config: String?
    @Option(help: "Address to listen on (env METRICSD_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one and prints it (env METRICSD_PORT; default 8080).")
    var port: Int?
    @Option(help: "Directory for the write-ahead log, created if missing; docs/durability.md (env METRICSD_DATA_DIR; default ./data).")
    var dataDir: String?
    @Flag(help: "Truncate the write-ahead log at damage in its middle instead of refusing to start (a one-off, so no env or config key).")
    var repair = false
    @Option(help: "JSON tokens file: {\"tokens\":[{\"token\",\"userId\",\"accounts\",\"maxConcurrent\"?,\"maxPerMinute\"?}]} (env METRICSD_TOKENS).")
    var tokens: String?
    @Flag(help: "Load a simulated account with id 'demo' and keep it live; prints a token for it (env METRICSD_DEMO).")
    var demo = false
    @Flag(help: "Accept every caller without a token (identity = peer address); for local use (env METRICSD_NO_AUTH).")
    var noAuth = false
    @Option(help: "Default limit of concurrent GetMetrics calls per (account, user) (env METRICSD_MAX_CONCURRENT; default 4).")
    var maxConcurrent: Int?
    @Option(help: "Default limit of GetMetrics calls per (account, user) in any 60 s window (env METRICSD_MAX_PER_MINUTE; default 300).")
    var maxPerMinute: Int?
    @Option(help: "Event-loop threads (env METRICSD_THREADS; default: one per core).") var threads: Int?
    @Option(help: "trace, debug, info, notice, warning, error or critical (env METRICSD_LOG_LEVEL; default info). Logs go to stderr.")
    var logLevel: String?
    @Option(help: "text (key=value lines) or json (one object per line) (env METRICSD_LOG_FORMAT; default text).")
    var logFormat: String?
    @Flag(help: "Log one line per request: front, method, status, duration; never tokens or bodies (env METRICSD_LOG_REQUESTS).")
    var logRequests = false
    @Option(help: "How long in-flight requests may take to finish after SIGTERM, e.g. 10s or 500ms (env METRICSD_SHUTDOWN_GRACE; default 10s).")
    var shutdownGrace: String?
    @Option(help: "After SIGTERM, keep accepting this long while health says NOT_SERVING, so load balancers notice (env METRICSD_DRAIN_DELAY; default 0s).")
    var drainDelay: String?
    @Option(help: "Write a snapshot of the state once this many bytes were logged since the last one; 0 = not by size (env METRICSD_SNAPSHOT_BYTES; default 33554432). docs/durability.md.")
    var snapshotBytes: Int?
    @Option(help: "…or once this long has passed and the log grew, e.g. 10m; 0 = not by time (env METRICSD_SNAPSHOT_INTERVAL; default 10m).")
    var snapshotInterval: String?
    @Option(help: "Start a new write-ahead log segment at this size; covered segments are deleted after snapshots (env METRICSD_WAL_SEGMENT_BYTES; default 67108864).")
    var walSegmentBytes: Int?
    @Flag(help: .hidden) var testHooks = false

    /// Defaults, then the config file, then the environment, then flags.
    func resolve(environment: [String: String]) throws -> ServeSettings {
        var settings = ServeSettings()
        do {
            if let path = config ?? environment["METRICSD_CONFIG"] { try settings.apply(configFile: path) }
            try settings.apply(environment: environment)
            let flags: [(ServeSettings.Key, String?)] = [
                (.host, host), (.port, port.map(String.init)), (.dataDir, dataDir), (.tokens, tokens),
                (.demo, demo ? "true" : nil), (.noAuth, noAuth ? "true" : nil),
                (.maxConcurrent, maxConcurrent.map(String.init)), (.maxPerMinute, maxPerMinute.map(String.init)),
                (.threads, threads.map(String.init)), (.logLevel, logLevel), (.logFormat, logFormat),
                (.logRequests, logRequests ? "true" : nil),
                (.shutdownGrace, shutdownGrace), (.drainDelay, drainDelay),
                (.snapshotBytes, snapshotBytes.map(String.init)), (.snapshotInterval, snapshotInterval),
                (.walSegmentBytes, walSegmentBytes.map(String.init)),
            ]
            for case let (key, value?) in flags { try settings.set(key, value, origin: "--\(key.rawValue)") }
        } catch {
            throw ValidationError(error.description)
        }
        return settings
    }

    func run() async throws {
        let settings = try resolve(environment: ProcessInfo.processInfo.environment)
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let json = settings.logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "metricsd")

        var config = MetricsServerApp.Configuration()
        config.host = settings.host
        config.port = settings.port
        config.noAuth = settings.noAuth
        config.demo = settings.demo
        config.testHooks = testHooks
        config.logRequests = settings.logRequests
        config.shutdownGrace = .milliseconds(Int64(settings.shutdownGraceMs))
        config.drainDelay = .milliseconds(Int64(settings.drainDelayMs))
        config.defaultLimits = RateLimits(maxConcurrent: settings.maxConcurrent, maxPerMinute: settings.maxPerMinute)
        if let threads = settings.threads { config.eventLoopThreads = threads }
        config.dataDirectory = settings.dataDir
        config.repairLog = repair
        config.snapshots.everyBytes = settings.snapshotBytes
        config.snapshots.intervalMs = Int64(settings.snapshotIntervalMs)
        config.snapshots.segmentBytes = settings.walSegmentBytes
        var entries: [TokensFile.Entry] = []
        if let tokens = settings.tokens {
            guard let data = FileManager.default.contents(atPath: tokens) else {
                throw ValidationError("tokens: cannot read \(tokens)")
            }
            do {
                entries = try TokensFile(json: Array(data)).entries
            } catch {
                throw ValidationError("tokens \(tokens): \(error.description)")
            }
        }
        var demoToken: String?
        if settings.demo && !settings.noAuth {
            let token = "demo-" + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 36) }.joined()
            entries.append(TokensFile.Entry(token: token, userId: "demo", accounts: [MetricsServerApp.demoAccount]))
            demoToken = token
        }
        config.tokens = TokensFile(entries: entries)

        // Trap the signals before anything is printed: a supervisor that signals as soon as it
        // sees the "listening" line must get a graceful shutdown, not the default kill.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let app = MetricsServerApp(configuration: config, logger: logger)
        var groupConfig = ServiceGroupConfiguration(services: [app], logger: logger)
        // The server bounds its own drain (drain delay + grace); this is the backstop should
        // anything after it hang: cancel, then give up loudly rather than never exit.
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(settings.drainDelayMs + settings.shutdownGraceMs + 5_000)
        groupConfig.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfig)
        let signalHandler = Task { await Self.handle(signals, group: group, logger: logger) }
        // Anything instrumented with swift-metrics lands in the same registry as our own series.
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: app.service.stats.registry))
        let address = try await app.start()
        say("metricsd listening on \(address) (gRPC h2c, REST HTTP/1.1 and HTTP/2)")
        if settings.demo {
            say("account: \(MetricsServerApp.demoAccount)")
            if let demoToken { say("token: \(demoToken)") }
        }

        try await group.run()
        signalHandler.cancel()
    }

    /// The first SIGTERM/SIGINT starts a graceful shutdown; a second one exits at once.
    static func handle(_ signals: UnixSignalsSequence, group: ServiceGroup, logger: Logger) async {
        var seen = 0
        for await signal in signals {
            seen += 1
            if seen == 1 {
                logger.info("stop requested: graceful shutdown (a second signal exits at once)", metadata: ["signal": "\(signal)"])
                await group.triggerGracefulShutdown()
            } else {
                logger.warning("second signal: exiting at once", metadata: ["signal": "\(signal)"])
                Foundation.exit(1)
            }
        }
    }
}

/// Unbuffered, so scripts reading our output see each line at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
