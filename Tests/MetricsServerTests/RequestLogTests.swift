import Logging
import MetricsAPI
import Synchronization
import Testing

@testable import MetricsServer

/// Keeps every line logged through it, for tests.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            log.lines.withLock { $0.append("\(event.level) \(meta.joined(separator: " ")) \(event.message)") }
        }
    }
}

@Suite struct RequestLogTests {
    @Test func requestLinesAreOffByDefault() {
        let log = CapturedLog()
        let stats = ServerStats(errorLogger: log.logger)
        stats.record(.grpc, .getMetrics, .ok)
        stats.record(.rest, .getMetrics, .invalidArgument)
        #expect(log.lines.withLock { $0 }.isEmpty)
    }

    @Test func withTheFlagEachRequestIsOneLineOfFrontMethodCodeAndDuration() {
        let log = CapturedLog()
        let stats = ServerStats(requestLogger: log.logger)
        stats.record(.grpc, .getMetrics, .ok, since: .now())
        stats.record(.rest, .publishEvents, .unauthenticated)
        let lines = log.lines.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("info code=OK duration_ms="))
        #expect(lines[0].hasSuffix("front=grpc method=GetMetrics request"))
        #expect(lines[1] == "info code=UNAUTHENTICATED front=rest method=PublishEvents request")
    }

    @Test func serverSideFailuresAreLoggedAsErrorsEvenWithoutTheFlag() {
        let log = CapturedLog()
        let stats = ServerStats(errorLogger: log.logger)
        stats.record(.grpc, .publishEvents, .internalError)
        #expect(log.lines.withLock { $0 } == ["error code=INTERNAL front=grpc method=PublishEvents request failed"])
    }
}
