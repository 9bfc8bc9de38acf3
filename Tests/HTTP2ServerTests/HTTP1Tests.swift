import Foundation
import HTTP2Server
import HTTP2TestSupport
import Testing

/// HTTP/1.1 on the same port, through the same handler API.
extension AllHTTP2ServerTests {
@Suite struct HTTP1Tests {
    /// Writes `request` in one send and reads until `expected` responses ended (or timeout).
    static func exchange(port: Int, _ request: String, until done: (String) -> Bool) throws -> String {
        let fd = try NGHTTP2TestClient.connect(port: port)
        defer { close(fd) }
        let bytes = Array(request.utf8)
        _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received += buffer[0..<n] }
            if n == 0 { break }
            if done(String(decoding: received, as: UTF8.self)) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    @Test func pipelinedRequestsAreAnsweredInOrderOnOneConnection() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let request =
                "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /info?second HTTP/1.1\r\nHost: b\r\nX-Custom: two\r\n\r\n"
            let text = try Self.exchange(port: port, request) { $0.contains("two") }
            let first = try #require(text.range(of: "slow done"))
            let second = try #require(text.range(of: "GET /info?second b http http1 two"))
            #expect(first.upperBound <= second.lowerBound)
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        }
    }

    @Test func connectionCloseWinsOverPipelinedFollowers() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            // Connection: close on a pipelined request ends the connection after its response.
            let request =
                "GET /info?1 HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /info?2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                + "GET /info?3 HTTP/1.1\r\nHost: a\r\n\r\n"
            let start = Date()
            let text = try Self.exchange(port: port, request) { _ in false }  // until the server closes
            #expect(Date().timeIntervalSince(start) < 4)
            #expect(text.contains("GET /info?1 a"))
            #expect(text.contains("GET /info?2 a"))
            #expect(!text.contains("GET /info?3 a"))
        }
    }

    @Test func chunkedRequestBodyIsEchoed() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let request =
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            let text = try Self.exchange(port: port, request) { $0.hasSuffix("abc") }
            #expect(text.contains("content-length: 11\r\n\r\nhello world"))
            #expect(text.hasSuffix("content-length: 3\r\n\r\nabc"))
        }
    }

    @Test func unreadBodyStopsSocketReads() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let body = String(repeating: "z", count: 8 << 20)
            let text = try Self.exchange(port: port, "POST /noread HTTP/1.1\r\nHost: a\r\nContent-Length: \(8 << 20)\r\n\r\n\(body)") {
                $0.contains("\(8 << 20)")
            }
            let numbers = text.split(separator: "\n").last?.split(separator: " ").compactMap { Int($0) } ?? []
            #expect(numbers.count == 2, "\(text)")
            #expect(numbers.first ?? .max <= 3 << 20)
            #expect(numbers.last == 8 << 20)
        }
    }

    @Test func earlyResponseToLargeUploadKeepsConnectionUsable() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            // /ignore answers without reading the body; the upload must still go through (a
            // stalled server would make the client's send time out) and the next request work.
            let body = String(repeating: "u", count: 4 << 20)
            let text = try Self.exchange(
                port: port,
                "POST /ignore HTTP/1.1\r\nHost: a\r\nContent-Length: \(4 << 20)\r\n\r\n\(body)"
                    + "GET /info?again HTTP/1.1\r\nHost: a\r\n\r\n"
            ) { $0.contains("again") }
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.contains("ignored"))
            #expect(text.contains("GET /info?again a http http1 -"))
        }
    }

    @Test func trailersUseChunkedEncoding() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let text = try Self.exchange(port: port, "GET /trailers HTTP/1.1\r\nHost: a\r\n\r\n") { $0.hasSuffix("\r\n\r\n") && $0.contains("grpc-status") }
            #expect(text.contains("transfer-encoding: chunked"))
            #expect(text.contains("grpc-status: 0"))
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let text = try Self.exchange(port: port, "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") { _ in false }
            #expect(text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(text.lowercased().contains("connection: close"))
        }
    }

    @Test func oversizedHeadersAndBodiesAreRejected() async throws {
        try await withServer({ $0.maxRequestBodySize = 1000 }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let huge = String(repeating: "h", count: 20_000)
            let headers = try Self.exchange(port: port, "GET /info HTTP/1.1\r\nHost: a\r\nX-Big: \(huge)\r\n\r\n") { _ in false }
            #expect(headers.hasPrefix("HTTP/1.1 4"))
            let body = String(repeating: "b", count: 5000)
            let tooLong = try Self.exchange(port: port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n\(body)") { _ in false }
            #expect(tooLong.hasPrefix("HTTP/1.1 413"))
            let chunked = "5\r\nhello\r\n" + String(repeating: "400\r\n" + String(repeating: "c", count: 1024) + "\r\n", count: 2) + "0\r\n\r\n"
            let tooLongChunked = try Self.exchange(port: port, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\(chunked)") { _ in false }
            #expect(tooLongChunked.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test func slowlorisHeadIsCutOff() async throws {
        try await withServer({ $0.requestHeadTimeout = .milliseconds(300) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let fd = try NGHTTP2TestClient.connect(port: port)
            defer { close(fd) }
            let start = Date()
            var closed = false
            var buffer = [UInt8](repeating: 0, count: 1024)
            for i in 0..<100 {
                let line = Array((i == 0 ? "GET /info HTTP/1.1\r\n" : "X-\(i): y\r\n").utf8)
                if send(fd, line, line.count, Int32(MSG_NOSIGNAL)) <= 0 { closed = true; break }
                let n = recv(fd, &buffer, buffer.count, 0)  // waits ~20 ms
                if n == 0 || (n < 0 && errno != EAGAIN) { closed = true; break }
                usleep(30_000)
            }
            #expect(closed)
            #expect(Date().timeIntervalSince(start) < 2)
        }
    }

    /// The head timer is not re-armed per request: it must still count from the end of the
    /// previous exchange, not from when the connection (or the timer) started.
    @Test func headTimeoutCountsFromTheEndOfThePreviousExchange() async throws {
        try await withServer({ $0.requestHeadTimeout = .milliseconds(400) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let fd = try NGHTTP2TestClient.connect(port: port)
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            func ask(_ query: String) -> String {
                let request = Array("GET /info?\(query) HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
                _ = send(fd, request, request.count, Int32(MSG_NOSIGNAL))
                var text = ""
                let deadline = Date().addingTimeInterval(3)
                while Date() < deadline, !text.contains("/info?\(query) a http http1") {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n > 0 {
                        text += String(decoding: buffer[0..<n], as: UTF8.self)
                    } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                        break  // closed
                    }
                }
                return text
            }
            #expect(ask("first").contains("/info?first a http http1"))
            usleep(250_000)
            #expect(ask("second").contains("/info?second a http http1"))
            usleep(250_000)  // past the first timer's deadline, 250 ms into this wait
            #expect(ask("third").contains("/info?third a http http1"), "closed while the timeout had not passed")
            // Now a head that never completes: cut off one timeout after the third answer.
            let start = Date()
            let partial = Array("GET /info HTTP/1.1\r\n".utf8)
            _ = send(fd, partial, partial.count, Int32(MSG_NOSIGNAL))
            var closed = false
            while Date().timeIntervalSince(start) < 3 {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { closed = true; break }
            }
            #expect(closed)
            #expect(Date().timeIntervalSince(start) < 2)
        }
    }

    @Test func gracefulShutdownLetsCurrentResponseFinishThenCloses() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { server, port in
            let fd = try NGHTTP2TestClient.connect(port: port)
            defer { close(fd) }
            let request = Array("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
            _ = send(fd, request, request.count, Int32(MSG_NOSIGNAL))
            #expect(recorder.waitFor { $0 == "slow started" })
            let shutdown = server.initiateGracefulShutdown(timeout: .seconds(5))
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            let deadline = Date().addingTimeInterval(3)
            while Date() < deadline {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += buffer[0..<n] }
                if n == 0 { break }
            }
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.contains("connection: close"))
            #expect(text.hasSuffix("slow done"))
            try await shutdown.get()
        }
    }

    @Test func upgradeToH2CServesTheRequestAsStreamOne() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let output = try runTool("/usr/bin/nghttp", ["-u", "-v", "http://127.0.0.1:\(port)/info"])
            #expect(output.contains("HTTP Upgrade success"), "\(output)")
            #expect(output.contains("GET /info 127.0.0.1:\(port) http http2 -"), "\(output)")
        }
    }

    @Test func upgradeWithBodyStaysOnHTTP1() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let request =
                "POST /echo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: 3\r\n\r\nxyz"
            let text = try Self.exchange(port: port, request) { $0.hasSuffix("xyz") }
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.hasSuffix("xyz"))
        }
    }

    @Test func headerInjectionIsNotWritten() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let start = Date()
            let text = try Self.exchange(port: port, "GET /inject HTTP/1.1\r\nHost: a\r\n\r\n") { _ in false }
            #expect(!text.lowercased().contains("set-cookie: pwned"))
            #expect(Date().timeIntervalSince(start) < 2, "the connection must close after the failed write")
        }
    }

    @Test func garbageGets400AndServerSurvives() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let start = Date()
            let text = try Self.exchange(port: port, "\u{01}\u{02} nonsense \r\n\r\n") { _ in false }
            #expect(text.hasPrefix("HTTP/1.1 400"))
            #expect(Date().timeIntervalSince(start) < 2, "the connection must close after a parse error")
            let ok = try Self.exchange(port: port, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n") { $0.contains("http1") }
            #expect(ok.hasPrefix("HTTP/1.1 200"))
        }
    }
}

/// The server under h2load, the load client the service is measured with.
@Suite struct LoadTests {
    @Test func h2loadTwentyThousandRequestsNoFailures() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let output = try runTool("/usr/bin/h2load", ["-n", "20000", "-c", "8", "-m", "16", "http://127.0.0.1:\(port)/info"])
            #expect(output.contains("20000 succeeded, 0 failed, 0 errored, 0 timeout"), "\(output)")
        }
    }
}
}

/// Runs a command-line client to completion and returns its standard output.
func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return output
}
