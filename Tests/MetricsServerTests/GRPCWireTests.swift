import Foundation
import HTTP2TestSupport
import Logging
import MetricsAPI
import MetricsCore
import NIOCore
import Testing

@testable import MetricsServer

/// The gRPC front's replies as they are on the wire (GRPC.md "gRPC requests" / "gRPC responses"):
/// the real `MetricsServerApp` (Router → GRPCFront on the real HTTP/2 server) in process, with a
/// small simulated account, driven frame by frame by a libnghttp2 client. grpcio (Tests/interop)
/// maps many wrong shapes to the same status, so these check the frames and fields themselves.
///
/// Serialized: the client blocks a thread while it pumps, and the deadline test times itself.
@Suite(.serialized) struct GRPCWireTests {
    static let getMetrics = "/manager_workspace.v1.MetricsService/GetMetrics"
    static let now: Int64 = 1_750_000_000_000
    static let grpcHeaders = [("content-type", "application/grpc"), ("te", "trailers")]

    // MARK: Harness

    /// Runs `body` against a started app (no auth, test hooks on, one event loop) that holds
    /// account "demo": 3 h of a small simulated account ending at `now`.
    func withApp<R>(
        shutDown: Bool = true, configure: (inout MetricsServerApp.Configuration) -> Void = { _ in },
        _ body: (MetricsServerApp, Int) async throws -> R
    ) async throws -> R {
        var configuration = MetricsServerApp.Configuration()
        configuration.port = 0
        configuration.noAuth = true
        configuration.testHooks = true
        configuration.eventLoopThreads = 1
        configuration.shutdownGrace = .seconds(2)
        configure(&configuration)
        var logger = Logger(label: "grpc-wire-tests")
        logger.logLevel = .critical
        let app = MetricsServerApp(configuration: configuration, logger: logger, clock: { Self.now })
        var sim = Simulator(seed: 7, config: .small(startMs: Self.now - 3 * 3_600_000))
        _ = app.service.applyLocal(sim.events(until: Self.now), account: "demo")
        let address = try await app.start()
        do {
            let result = try await body(app, address.port!)
            if shutDown { await app.shutdown() }
            return result
        } catch {
            await app.shutdown()
            throw error
        }
    }

    /// A request that validates and runs against "demo".
    static func validRequest() -> GetMetricsRequest {
        var req = GetMetricsRequest()
        req.accountId = "demo"
        var filters = Filters()
        filters.time = TimeRange(fromMs: now - 3_600_000, toMs: now)
        req.filters = filters
        req.metricsToRetrieveByTime = ["closed_conversations"]
        req.metricsToRetrieveCurrentValue = ["online_agents"]
        req.groupBy = "skillId"
        return req
    }

    /// One length-prefixed message with the given compressed flag.
    static func framed(_ message: [UInt8], flag: UInt8 = 0) -> [UInt8] {
        var out = GRPCMessageWriter.frame(message)
        out[0] = flag
        return out
    }

    static func framed(_ req: GetMetricsRequest) -> [UInt8] { framed(req.protobufBytes()) }

    /// Sends one call and waits for its stream to close; returns the response and the frames
    /// (type, flags) the server sent on that stream.
    static func call(
        _ client: NGHTTP2TestClient, method: String = "POST", path: String = getMetrics,
        headers: [(String, String)] = grpcHeaders, body: [UInt8]?, timeout: Double = 5
    ) -> (NGHTTP2TestClient.Response, [(type: UInt8, flags: UInt8)])? {
        let id = client.request(method: method, path: path, headers: headers, body: body)
        guard client.pump(timeout: timeout, until: { client.responses[id]?.closed == true }) else { return nil }
        return (client.responses[id]!, client.frameLog.filter { $0.2 == id }.map { (type: $0.0, flags: $0.1) })
    }

    /// `client.pump`, giving the thread back to other tasks every 50 ms.
    static func pumpSuspending(_ client: NGHTTP2TestClient, timeout: Double, until condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if client.pump(timeout: 0.05, until: condition) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    static func values(_ fields: [(String, String)], _ name: String) -> [String] {
        fields.filter { $0.0 == name }.map(\.1)
    }

    static let HEADERS: UInt8 = 1
    static let DATA: UInt8 = 0
    static let RST_STREAM: UInt8 = 3
    static let END_STREAM: UInt8 = 0x1
    static let END_HEADERS: UInt8 = 0x4

    /// Trailers-Only (GRPC.md): exactly one HEADERS frame, with END_STREAM, no DATA, carrying
    /// `:status 200`, `content-type: application/grpc`, the status, and a percent-encoded
    /// `grpc-message` (printable ASCII only on the wire) that decodes to `message`.
    static func expectTrailersOnly(
        _ result: (NGHTTP2TestClient.Response, [(type: UInt8, flags: UInt8)])?, status: Int,
        message: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let (response, frames) = result else {
            Issue.record("no answer: the stream did not close", sourceLocation: sourceLocation)
            return
        }
        #expect(frames.count == 1, "frames: \(frames)", sourceLocation: sourceLocation)
        #expect(frames.first?.type == HEADERS, sourceLocation: sourceLocation)
        #expect((frames.first?.flags ?? 0) & (END_STREAM | END_HEADERS) == END_STREAM | END_HEADERS, sourceLocation: sourceLocation)
        #expect(!frames.contains { $0.type == DATA }, sourceLocation: sourceLocation)
        #expect(response.headerFrames == 1 && response.endStreamOnFirstHeaders, sourceLocation: sourceLocation)
        #expect(response.dataFrames == 0 && response.body.isEmpty, sourceLocation: sourceLocation)
        #expect(response.trailers.isEmpty, sourceLocation: sourceLocation)
        #expect(response.errorCode == 0, "stream closed with error \(response.errorCode)", sourceLocation: sourceLocation)
        let h = response.headers
        #expect(values(h, ":status") == ["200"], sourceLocation: sourceLocation)
        #expect(values(h, "content-type") == ["application/grpc"], sourceLocation: sourceLocation)
        #expect(values(h, "grpc-status") == [String(status)], sourceLocation: sourceLocation)
        let wire = values(h, "grpc-message")
        #expect(wire.count == 1, "grpc-message: \(wire)", sourceLocation: sourceLocation)
        if let encoded = wire.first {
            #expect(encoded.utf8.allSatisfy { (0x20...0x7E).contains($0) }, "not printable ASCII: \(encoded)",
                    sourceLocation: sourceLocation)
            #expect(message == nil || GRPCMessageEncoding.percentDecode(encoded) == message, "grpc-message \(encoded)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Errors before any response data: Trailers-Only

    @Test func unknownMethodIsTrailersOnlyUnimplemented() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let path = "/manager_workspace.v1.MetricsService/NoSuchMethod"
            let result = Self.call(client, path: path, body: Self.framed([]))
            Self.expectTrailersOnly(result, status: 12, message: "unknown method \(path)")
            #expect(app.service.stats.count(.grpc, .other, .unimplemented) == 1)
        }
    }

    /// Validation's message names the field, and a metric name from the request with `%` and
    /// `é` in it reaches the wire percent-encoded as UTF-8 bytes (GRPC.md).
    @Test func emptyRequestAndBadNameAreInvalidArgumentPercentEncoded() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let empty = Self.call(client, body: Self.framed(GetMetricsRequest()))
            Self.expectTrailersOnly(empty, status: 3, message: "filters is required")

            var req = Self.validRequest()
            req.metricsToRetrieveByTime = ["100%_clés"]
            let bad = Self.call(client, body: Self.framed(req))
            let message = "metricsToRetrieveByTime[0]: unknown metric \"100%_clés\""
            Self.expectTrailersOnly(bad, status: 3, message: message)
            #expect(bad.map { Self.values($0.0.headers, "grpc-message") } == [
                "metricsToRetrieveByTime[0]: unknown metric \"100%25_cl%C3%A9s\"",
            ])
            #expect(app.service.stats.count(.grpc, .getMetrics, .invalidArgument) == 2)
        }
    }

    /// An encoding the server lacks: UNIMPLEMENTED, telling the client what it accepts.
    @Test func gzipCompressedMessageIsUnimplementedWithAcceptEncoding() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let result = Self.call(
                client, headers: Self.grpcHeaders + [("grpc-encoding", "gzip")],
                body: Self.framed(Self.validRequest().protobufBytes(), flag: 1))
            Self.expectTrailersOnly(result, status: 12, message: "grpc-encoding \"gzip\" is not supported; use identity")
            #expect(result.map { Self.values($0.0.headers, "grpc-accept-encoding") } == ["identity"])
            #expect(app.service.stats.count(.grpc, .getMetrics, .unimplemented) == 1)
            #expect(app.service.stats.count(.grpc, .getMetrics, .ok) == 0)
        }
    }

    @Test func compressedFlagWithoutEncodingIsInternal() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let result = Self.call(client, body: Self.framed(Self.validRequest().protobufBytes(), flag: 1))
            Self.expectTrailersOnly(result, status: 13, message: "compressed flag set but no grpc-encoding header was sent")
            #expect(app.service.stats.count(.grpc, .getMetrics, .internalError) == 1)
        }
    }

    /// `:method` must be POST (GRPC.md); the front answers a GET on a known rpc UNIMPLEMENTED,
    /// as a gRPC status, never a non-200 `:status`.
    @Test func getOnAGRPCPathIsTrailersOnlyUnimplemented() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let result = Self.call(client, method: "GET", body: nil)
            Self.expectTrailersOnly(result, status: 12, message: "gRPC calls use POST, got GET")
            #expect(app.service.stats.count(.grpc, .getMetrics, .unimplemented) == 1)
        }
    }

    /// A unary call that ends with no message is told so at once.
    @Test func unaryWithNoMessageIsInvalidArgument() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            // HEADERS with END_STREAM, no DATA at all.
            Self.expectTrailersOnly(Self.call(client, body: nil), status: 3,
                                    message: "GetMetrics needs one request message, got none")
            // An empty DATA frame with END_STREAM.
            Self.expectTrailersOnly(Self.call(client, body: []), status: 3,
                                    message: "GetMetrics needs one request message, got none")
            #expect(app.service.stats.count(.grpc, .getMetrics, .invalidArgument) == 2)
            #expect(app.service.stats.count(.grpc, .getMetrics, .ok) == 0)
        }
    }

    /// A second message on a unary call is refused as soon as it arrives: also while the
    /// client keeps its side open (no waiting for END_STREAM that may never come).
    @Test func unaryWithTwoMessagesIsInvalidArgumentNotAHang() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let message = "GetMetrics is unary: got more than one request message"
            let two = Self.framed(Self.validRequest()) + Self.framed(Self.validRequest())
            Self.expectTrailersOnly(Self.call(client, body: two), status: 3, message: message)

            // The same, the client's side left open after the second message.
            let id = client.request(method: "POST", path: Self.getMetrics, headers: Self.grpcHeaders,
                                    body: Self.framed(Self.validRequest()), end: false)
            client.pump(timeout: 0.2) { false }
            #expect(client.responses[id] == nil, "answered before the second message")
            client.sendMore(id, Self.framed(Self.validRequest()), end: false)
            #expect(client.pump(timeout: 3) { client.responses[id]?.closed == true }, "no answer while the stream is open")
            // The answer ends the server's side; the client's is still open, so the server closes
            // the stream with RST_STREAM NO_ERROR (RFC 9113 §8.1) after the Trailers-Only HEADERS.
            let frames = client.frameLog.filter { $0.2 == id }.map { (type: $0.0, flags: $0.1) }
            #expect(frames.count == 2 && frames.last?.type == Self.RST_STREAM, "frames: \(frames)")
            Self.expectTrailersOnly(client.responses[id].map { ($0, frames.filter { $0.type != Self.RST_STREAM }) },
                                    status: 3, message: message)
            #expect(app.service.stats.count(.grpc, .getMetrics, .invalidArgument) == 2)
            #expect(app.service.stats.count(.grpc, .getMetrics, .ok) == 0)
        }
    }

    /// The other errors found before any data (GRPC.md): auth, rate limit, a malformed
    /// grpc-timeout, an announced message over 4 MiB. Also Trailers-Only.
    @Test func authRateLimitTimeoutAndSizeErrorsAreTrailersOnly() async throws {
        let tokens = TokensFile(entries: [.init(token: "t1", userId: "u1", accounts: ["demo"], maxConcurrent: 4, maxPerMinute: 1)])
        try await withApp(configure: { $0.noAuth = false; $0.tokens = tokens }) { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let body = Self.framed(Self.validRequest())
            let auth = Self.grpcHeaders + [("authorization", "Bearer t1")]

            let anonymous = Self.call(client, body: body)
            Self.expectTrailersOnly(anonymous, status: 16, message: "missing authorization header (expected: Bearer TOKEN)")

            let first = Self.call(client, headers: auth, body: body)
            #expect(first.map { Self.values($0.0.trailers, "grpc-status") } == ["0"])
            let limited = Self.call(client, headers: auth, body: body)
            Self.expectTrailersOnly(limited, status: 8, message: nil)
            let retry = limited.flatMap { Self.values($0.0.headers, "retry-after-ms").first.flatMap { Int($0) } }
            #expect(retry.map { $0 > 0 && $0 <= 60_000 } == true, "retry-after-ms: \(String(describing: retry))")

            let badTimeout = Self.call(client, headers: auth + [("grpc-timeout", "1x")], body: body)
            Self.expectTrailersOnly(
                badTimeout, status: 3,
                message: "grpc-timeout \"1x\" is malformed (expected 1-8 digits and one of H M S m u n)")

            // Only the 5-byte prefix announcing 5 MiB, the client's side left open: refused at
            // once, then the stream is closed with RST_STREAM NO_ERROR.
            let big = 5 << 20
            let prefix: [UInt8] = [0, UInt8(big >> 24 & 0xFF), UInt8(big >> 16 & 0xFF), UInt8(big >> 8 & 0xFF), UInt8(big & 0xFF)]
            let id = client.request(method: "POST", path: Self.getMetrics, headers: auth, body: prefix, end: false)
            #expect(client.pump(timeout: 3) { client.responses[id]?.closed == true }, "no answer to an oversized prefix")
            let frames = client.frameLog.filter { $0.2 == id }.map { (type: $0.0, flags: $0.1) }
            Self.expectTrailersOnly(
                client.responses[id].map { ($0, frames.filter { $0.type != Self.RST_STREAM }) }, status: 8,
                message: "request message of \(big) bytes exceeds the limit of \(GRPCFront.maxMessageBytes) bytes")

            #expect(app.service.stats.count(.grpc, .getMetrics, .unauthenticated) == 1)
            #expect(app.service.stats.count(.grpc, .getMetrics, .resourceExhausted) == 2)
            #expect(app.service.stats.count(.grpc, .getMetrics, .invalidArgument) == 1)
            #expect(app.service.stats.count(.grpc, .getMetrics, .ok) == 1)
        }
    }

    // MARK: OK

    /// HEADERS (`:status 200`, `content-type: application/grpc`, no status yet), DATA with one
    /// framed response, then trailers HEADERS with END_STREAM and `grpc-status: 0`.
    @Test(arguments: ["application/grpc", "application/grpc+proto"])
    func okCallIsHeadersDataTrailers(contentType: String) async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            guard let (response, frames) = Self.call(
                client, headers: [("content-type", contentType), ("te", "trailers")], body: Self.framed(Self.validRequest()))
            else {
                Issue.record("no answer")
                return
            }
            #expect(response.errorCode == 0)
            let headerFrames = frames.filter { $0.type == Self.HEADERS }
            #expect(headerFrames.count == 2, "frames: \(frames)")
            #expect(frames.first?.type == Self.HEADERS && (frames.first!.flags & Self.END_STREAM) == 0)
            #expect(frames.last?.type == Self.HEADERS && (frames.last!.flags & Self.END_STREAM) != 0)
            let middle = frames.dropFirst().dropLast()
            #expect(!middle.isEmpty && middle.allSatisfy { $0.type == Self.DATA && $0.flags & Self.END_STREAM == 0 })
            #expect(Self.values(response.headers, ":status") == ["200"])
            #expect(Self.values(response.headers, "content-type") == ["application/grpc"])
            #expect(Self.values(response.headers, "grpc-status").isEmpty)
            #expect(Self.values(response.trailers, "grpc-status") == ["0"])
            #expect(Self.values(response.trailers, "grpc-message").isEmpty)
            // The body is exactly one uncompressed framed GetMetricsResponse.
            var reader = GRPCMessageReader(maxMessageBytes: GRPCFront.maxMessageBytes, encoding: nil)
            reader.append(response.body)
            let message = try reader.next()
            #expect(try reader.next() == nil)
            try reader.finish()
            #expect(response.body.first == 0)
            let decoded = try GetMetricsResponse(protobufBytes: message.map { Array($0.readableBytesView) } ?? [])
            #expect(decoded.groupBy?.groupByField == "skillId")
            #expect(app.service.stats.count(.grpc, .getMetrics, .ok) == 1)
        }
    }

    // MARK: Deadline

    /// `grpc-timeout: 100m` on a call the test hook holds for 1 s: the server itself answers
    /// DEADLINE_EXCEEDED (this client has no deadline of its own) long before the delay ends,
    /// as Trailers-Only, and the query never runs (no OK counted after the delay has passed).
    @Test func serverEnforcesGRPCTimeout() async throws {
        try await withApp { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let started = Date()
            let result = Self.call(
                client, headers: Self.grpcHeaders + [("grpc-timeout", "100m"), ("x-metricsd-test-delay-ms", "1000")],
                body: Self.framed(Self.validRequest()))
            let elapsed = Date().timeIntervalSince(started)
            Self.expectTrailersOnly(result, status: 4, message: "deadline exceeded (grpc-timeout 100m)")
            #expect(elapsed >= 0.09 && elapsed < 0.7, "answered after \(elapsed) s")
            try await Task.sleep(for: .milliseconds(1200))
            #expect(app.service.stats.count(.grpc, .getMetrics, .deadlineExceeded) == 1)
            #expect(app.service.stats.count(.grpc, .getMetrics, .ok) == 0)
            // The hook itself works: without a deadline the same call waits and succeeds.
            let slowStart = Date()
            let slow = Self.call(
                client, headers: Self.grpcHeaders + [("x-metricsd-test-delay-ms", "300")], body: Self.framed(Self.validRequest()))
            #expect(Date().timeIntervalSince(slowStart) >= 0.29)
            #expect(slow.map { Self.values($0.0.trailers, "grpc-status") } == ["0"])
        }
    }

    // MARK: Connection

    /// The SETTINGS a client sees after the handshake (GRPC.md "nghttp2 usage").
    @Test func settingsAfterHandshake() async throws {
        try await withApp { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let settled = client.pump(timeout: 3) {
                client.frameLog.contains { $0.0 == 4 && $0.1 & 1 == 0 && $0.2 == 0 }  // SETTINGS, not ACK
                    && client.frameLog.contains { $0.0 == 8 && $0.2 == 0 }  // connection WINDOW_UPDATE
            }
            #expect(settled, "frames: \(client.frameLog)")
            let s = client.remoteSettings
            #expect(s.maxConcurrentStreams == 256)
            #expect(s.initialWindowSize == 1 << 20)
            #expect(s.maxHeaderListSize == 16 << 10)
            #expect(s.connectionWindow == 16 << 20)
        }
    }

    /// Health Watch: SERVING first; at shutdown NOT_SERVING, then the stream ends UNAVAILABLE so
    /// the drain can finish.
    @Test func healthWatchSeesNotServingAtShutdown() async throws {
        try await withApp(shutDown: false) { app, port in
            let client = try NGHTTP2TestClient(port: port)
            let id = client.request(
                method: "POST", path: "/grpc.health.v1.Health/Watch", headers: Self.grpcHeaders, body: Self.framed([]))
            let serving = Self.framed([0x08, 0x01])  // HealthCheckResponse{status: SERVING}
            let notServing = Self.framed([0x08, 0x02])  // HealthCheckResponse{status: NOT_SERVING}
            #expect(client.pump(timeout: 3) { client.responses[id]?.body == serving }, "first message: \(String(describing: client.responses[id]?.body))")
            #expect(client.responses[id]?.closed != true)
            let shutdown = Task { await app.shutdown() }
            // Pumps in short slices and sleeps between them: a blocking pump would hold this
            // cooperative thread, and under a parallel run the shutdown task may need it.
            #expect(await Self.pumpSuspending(client, timeout: 20) { client.responses[id]?.closed == true })
            await shutdown.value
            let response = client.responses[id]
            #expect(response?.body == serving + notServing)
            #expect(response.map { Self.values($0.headers, "grpc-status") } == [])
            #expect(response.map { Self.values($0.trailers, "grpc-status") } == ["14"])
            #expect(response?.errorCode == 0)
        }
    }
}
