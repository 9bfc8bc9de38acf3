import ArgumentParser
import Dispatch
import Foundation
import MetricsServer
import RateLimiting

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve gRPC and REST on one port until SIGTERM or SIGINT.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one and prints it).") var port = 8080
    @Option(help: "Directory for the write-ahead log (created if missing; docs/durability.md).")
    var dataDir = "./data"
    @Flag(help: "Truncate the write-ahead log at damage in its middle instead of refusing to start.")
    var repair = false
    @Option(help: "JSON tokens file: {\"tokens\":[{\"token\",\"userId\",\"accounts\",\"maxConcurrent\"?,\"maxPerMinute\"?}]}.")
    var tokens: String?
    @Flag(help: "Load a simulated account with id 'demo' and keep it live; prints a token for it.")
    var demo = false
    @Flag(help: "Accept every caller without a token (identity = peer address). For local use.")
    var noAuth = false
    @Option(help: "Default limit of concurrent GetMetrics calls per (account, user).")
    var maxConcurrent = RateLimits.default.maxConcurrent
    @Option(help: "Default limit of GetMetrics calls per (account, user) in any 60 s window.")
    var maxPerMinute = RateLimits.default.maxPerMinute
    @Option(help: "Event-loop threads (default: one per core).") var threads: Int?
    @Flag(help: .hidden) var testHooks = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard maxPerMinute >= 1 else { throw ValidationError("--max-per-minute must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        var config = MetricsServerApp.Configuration()
        config.host = host
        config.port = port
        config.noAuth = noAuth
        config.demo = demo
        config.testHooks = testHooks
        config.dataDirectory = dataDir
        config.repairLog = repair
        config.defaultLimits = RateLimits(maxConcurrent: maxConcurrent, maxPerMinute: maxPerMinute)
        if let threads { config.eventLoopThreads = threads }
        var entries: [TokensFile.Entry] = []
        if let tokens {
            guard let data = FileManager.default.contents(atPath: tokens) else {
                throw ValidationError("--tokens: cannot read \(tokens)")
            }
            do {
                entries = try TokensFile(json: Array(data)).entries
            } catch {
                throw ValidationError("--tokens \(tokens): \(error.description)")
            }
        }
        var demoToken: String?
        if demo && !noAuth {
            let token = "demo-" + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 36) }.joined()
            entries.append(TokensFile.Entry(token: token, userId: "demo", accounts: [MetricsServerApp.demoAccount]))
            demoToken = token
        }
        config.tokens = TokensFile(entries: entries)

        let app = MetricsServerApp(configuration: config)
        let address = try await app.start()
        say("metricsd listening on \(address) (gRPC h2c, REST HTTP/1.1 and HTTP/2)")
        if demo {
            say("account: \(MetricsServerApp.demoAccount)")
            if let demoToken { say("token: \(demoToken)") }
        }

        await Self.waitForTerminationSignal()
        say("metricsd: shutting down (a second signal exits at once)")
        await app.shutdown()
        say("metricsd: stopped")
    }

    /// Suspends until SIGTERM or SIGINT; a second one exits the process at once.
    static func waitForTerminationSignal() async {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let queue = DispatchQueue(label: "metricsd.signals")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let state = SignalState(continuation)
            for sig in [SIGTERM, SIGINT] {
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler { state.fire() }
                source.resume()
                state.sources.append(source)
            }
        }
    }
}

/// Unbuffered, so scripts reading our output see each line at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// `@unchecked Sendable`: after `init` it is touched only on the serial signal queue (the event
/// handlers) and, once, by the caller that appends the sources before any signal can be handled.
/// The sources it holds keep the handlers alive for the life of the process.
private final class SignalState: @unchecked Sendable {
    var sources: [DispatchSourceSignal] = []
    private var continuation: CheckedContinuation<Void, Never>?

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func fire() {
        if let c = continuation {
            continuation = nil
            c.resume()
        } else {
            exit(1)
        }
    }
}
