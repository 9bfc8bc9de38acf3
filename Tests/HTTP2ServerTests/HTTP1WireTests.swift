import Foundation
import HTTP2Server
import HTTP2TestSupport
import Testing

/// The hand-written HTTP/1.1 codec over a real socket: framing, persistence, errors.
extension AllHTTP2ServerTests {
@Suite struct HTTP1WireTests {
    /// A blocking client socket with helpers to read what the server sends.
    final class Client {
        let fd: Int32
        var received: [UInt8] = []

        init(port: Int) throws {
            self.fd = try NGHTTP2TestClient.connect(port: port)
        }

        deinit { close(self.fd) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = Foundation.send(self.fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        }

        var text: String { String(decoding: self.received, as: UTF8.self) }

        /// Reads until `done` holds for what arrived, the server closes, or 5 s pass. Returns
        /// true if the server closed the connection.
        @discardableResult
        func read(until done: (String) -> Bool = { _ in false }) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, !done(self.text) {
                let n = recv(self.fd, &buffer, buffer.count, 0)
                if n > 0 {
                    self.received += buffer[0..<n]
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    return true
                }
            }
            return false
        }
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// A request body that stops arriving (the client vanished or stalls) closes the connection
    /// after the idle timeout, and the handler learns the request is gone.
    @Test func stalledRequestBodyIsCutOff() async throws {
        let recorder = Recorder()
        try await withServer({ $0.idleTimeout = .milliseconds(300) }, handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try Client(port: port)
            let start = Date()
            client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
            #expect(client.read())  // true: the server closed
            #expect(Date().timeIntervalSince(start) < 2)
            #expect(recorder.waitFor { $0.hasPrefix("echo failed:") })
        }
    }

    /// A slow answer is not a stall: the request is complete, so the connection stays open
    /// past the idle timeout until the response is written.
    @Test func slowAnswerToACompleteRequestOutlivesTheIdleTimeout() async throws {
        // /slow answers after 400 ms: over two idle periods.
        try await withServer({ $0.idleTimeout = .milliseconds(150) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
            client.read { $0.contains("slow done") }
            #expect(client.text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func bodyAlreadyReadReachesTheHandlerWholeWithItsHead() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            // One write: two bodies of declared length (whole in the buffer when their heads are
            // parsed), a chunked one (read as it comes), a body-less one, and the last one's
            // body in a later write (not there yet when its head is).
            client.send(
                "POST /whole HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\none"
                    + "POST /whole HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\ntwo"
                    + "POST /whole HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthree\r\n0\r\nx-trailer: t3\r\n\r\n"
                    + "POST /whole HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /whole HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n")
            client.read { Self.count("HTTP/1.1 200", in: $0) == 4 }
            try await Task.sleep(for: .milliseconds(50))
            client.send("five")
            client.read { $0.hasSuffix("five") }
            let answers = Array(client.text.components(separatedBy: "HTTP/1.1 200")[1...])
            #expect(answers.count == 5, "\(client.text)")
            guard answers.count == 5 else { return }
            #expect(answers[0].contains("x-whole: yes") && answers[0].hasSuffix("\r\n\r\none"))
            #expect(answers[1].contains("x-whole: yes") && answers[1].hasSuffix("\r\n\r\ntwo"))
            #expect(answers[2].contains("x-whole: no") && answers[2].contains("x-trailer: t3") && answers[2].hasSuffix("\r\n\r\nthree"))
            #expect(answers[3].contains("x-whole: yes") && answers[3].contains("content-length: 0"))
            #expect(answers[4].contains("x-whole: no") && answers[4].hasSuffix("\r\n\r\nfive"))
        }
    }

    @Test func pipelinedMixOfBodiesIsAnsweredInOrderInOneWrite() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\none"
                    + "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\nx-t: 1\r\n\r\n"
                    + "GET /info?four HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nfive")
            client.read { $0.hasSuffix("five") }
            let text = client.text
            let order = ["\r\n\r\none", "slow done", "\r\n\r\ntwo", "GET /info?four a", "\r\n\r\nfive"].map { text.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil }, "\(text)")
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "\(text)")
            #expect(Self.count("HTTP/1.1 200 OK\r\n", in: text) == 5)
        }
    }

    /// Requests queued behind a slow one fill more than `http1BodyBufferSize`: reads stop,
    /// and once the slow answer is out every queued request is answered, in order, none lost.
    @Test func requestsQueuedBehindASlowOneAreHeldNotLost() async throws {
        try await withServer({ $0.http1BodyBufferSize = 4096 }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            func queued(_ range: Range<Int>) -> String {
                range.map { "GET /info?q\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()
            }
            client.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n" + queued(0..<750))
            usleep(100_000)  // read and held by now: this half waits in the socket until reads resume
            client.send(queued(750..<1500))
            client.read { $0.hasSuffix("/info?q1499 a http http1 -") }
            let text = client.text
            #expect(Self.count("HTTP/1.1 200 OK\r\n", in: text) == 1501)
            // Every answer names its query: read them off in the order they arrived.
            let answers = text.components(separatedBy: "GET /info?q")
            #expect(answers[0].contains("slow done"))  // before every queued answer
            #expect(answers.dropFirst().map { Int($0.prefix { $0.isNumber }) } == (0..<1500).map { $0 })
        }
    }

    @Test func chunkedResponseWithTrailersIsFramedExactly() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("GET /trailers HTTP/1.1\r\nHost: a\r\n\r\n")
            client.read { $0.hasSuffix("\r\n0\r\ngrpc-status: 0\r\ngrpc-message: ok\r\n\r\n") }
            #expect(
                client.text
                    == "HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ntransfer-encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n0\r\ngrpc-status: 0\r\ngrpc-message: ok\r\n\r\n")
        }
    }

    /// Bodies over the copy limit are written as their own buffers, between the framing
    /// bytes kept in the batch buffer: the chunked stream must still decode exactly.
    @Test func largeBodiesKeepTheirFraming() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            let upload = String(repeating: "0123456789", count: 10_000)
            client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \(upload.utf8.count)\r\n\r\n\(upload)GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
            client.read { $0.hasSuffix("\r\n0\r\nx-done: 80\r\n\r\n") }
            var rest = client.received[...]
            func take(upTo separator: String) -> String? {
                let bytes = Array(separator.utf8)
                guard let at = rest.indices.first(where: { rest[$0...].starts(with: bytes) }) else { return nil }
                defer { rest = rest[(at + bytes.count)...] }
                return String(decoding: rest[..<at], as: UTF8.self)
            }
            let echoHead = try #require(take(upTo: "\r\n\r\n"))
            #expect(echoHead.contains("content-length: 100000"))
            #expect(Array(rest.prefix(100_000)) == Array(upload.utf8))
            rest = rest.dropFirst(100_000)
            let bigHead = try #require(take(upTo: "\r\n\r\n"))
            #expect(bigHead.contains("transfer-encoding: chunked"))
            var body: [UInt8] = []
            while let size = take(upTo: "\r\n").flatMap({ Int($0, radix: 16) }), size > 0 {
                body += rest.prefix(size)
                rest = rest.dropFirst(size)
                #expect(take(upTo: "\r\n") == "")
            }
            #expect(body == (0..<80).flatMap { [UInt8](repeating: UInt8($0), count: 65536) })
            #expect(String(decoding: rest, as: UTF8.self) == "x-done: 80\r\n\r\n")
        }
    }

    @Test func streamedResponseOverHTTP10IsCloseDelimited() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("GET /trailers HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(client.read())  // closed by the server: that ends the body
            #expect(client.text == "HTTP/1.0 200 OK\r\ncontent-type: application/grpc\r\nconnection: close\r\n\r\nabc")
        }
    }

    @Test(arguments: [
        // (request version and Connection field, response status line, connection field written, stays open)
        ("HTTP/1.1", "", "HTTP/1.1 200 OK", "connection: keep-alive", true),
        ("HTTP/1.1", "Connection: close\r\n", "HTTP/1.1 200 OK", "connection: close", false),
        ("HTTP/1.0", "", "HTTP/1.0 200 OK", "connection: close", false),
        ("HTTP/1.0", "Connection: Keep-Alive\r\n", "HTTP/1.0 200 OK", "connection: keep-alive", true),
    ])
    func keepAliveMatrix(version: String, connection: String, statusLine: String, written: String, staysOpen: Bool) async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("GET /info?first \(version)\r\nHost: a\r\n\(connection)\r\n")
            let closed = client.read { $0.contains("http1 -") }
            #expect(client.text.hasPrefix(statusLine + "\r\n"), "\(client.text)")
            #expect(Self.count(written, in: client.text) == 1, "\(client.text)")  // /info sets keep-alive itself
            if staysOpen {
                #expect(!closed)
                client.send("GET /info?second \(version)\r\nHost: a\r\n\(connection)\r\n")
                client.read { $0.contains("/info?second") }
                #expect(client.text.contains("GET /info?second a http http1 -"))
            } else {
                #expect(closed || client.read(), "the server must close")
            }
        }
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            client.read { $0.contains("\r\n\r\n") }
            #expect(client.text == "HTTP/1.1 100 Continue\r\n\r\n")
            client.send("hello")
            client.read { $0.hasSuffix("hello") }
            #expect(client.text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
        }
    }

    @Test func headResponsesCarryNoBody() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("HEAD /info HTTP/1.1\r\nHost: a\r\n\r\nHEAD /trailers HTTP/1.1\r\nHost: a\r\n\r\nGET /info?after HTTP/1.1\r\nHost: a\r\n\r\n")
            client.read { $0.contains("/info?after") }
            let text = client.text
            let parts = text.components(separatedBy: "HTTP/1.1 200 OK\r\n")
            #expect(parts.count == 4, "\(text)")
            #expect(parts[1].hasSuffix("content-length: 25\r\n\r\n"), "\(text)")  // "HEAD /info a http http1 -"
            #expect(parts[2].hasSuffix("transfer-encoding: chunked\r\n\r\n"), "\(text)")
            #expect(parts[3].hasSuffix("GET /info?after a http http1 -"), "\(text)")
        }
    }

    @Test func oversizedHeadGets431NamingTheLimit() async throws {
        try await withServer({ $0.maxHeaderListSize = 1000 }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("GET /info HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "h", count: 2000))\r\n\r\n")
            #expect(client.read())
            #expect(client.text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            #expect(client.text.hasSuffix("\r\n\r\nrequest header block exceeds 1000 bytes\n"))
        }
    }

    @Test func declaredOversizedBodyGets413BeforeTheBodyIsSent() async throws {
        let recorder = Recorder()
        try await withServer({ $0.maxRequestBodySize = 1000 }, handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try Client(port: port)
            client.send("POST /hold HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n")
            #expect(client.read())
            #expect(client.text.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
            #expect(client.text.hasSuffix("request body exceeds 1000 bytes\n"))
            #expect(recorder.all.isEmpty, "the handler must not run")
        }
    }

    @Test func smugglingAttemptGets400AndTheHiddenRequestIsNotServed() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /info?smuggled HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(client.read())
            #expect(client.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(client.text.hasSuffix("both Transfer-Encoding and Content-Length\n"))
            #expect(!client.text.contains("smuggled"))
        }
    }

    @Test(arguments: [
        ("GET /info HTTP/1.1\r\nX(y): 1\r\n\r\n", "400 Bad Request", "invalid character 0x28 in header name"),
        ("GET /info HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n", "400 Bad Request", "obsolete line folding in header"),
        ("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", "400 Bad Request", "chunk size not hexadecimal"),
        ("GET /info HTTP/2.0\r\n\r\n", "505 HTTP Version Not Supported", "HTTP version not supported: HTTP/2.0"),
        ("POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501 Not Implemented", "transfer coding not implemented: gzip"),
    ])
    func malformedRequestsAreAnsweredAndClosed(request: String, status: String, message: String) async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send(request)
            #expect(client.read(), "the connection must close")
            #expect(client.text.hasPrefix("HTTP/1.1 \(status)\r\n"), "\(client.text)")
            #expect(client.text.contains("connection: close\r\n"))
            #expect(client.text.hasSuffix("\r\n\r\n\(message)\n"), "\(client.text)")
        }
    }

    @Test func malformedChunkAfterTheHandlerStartedFailsItsBody() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try Client(port: port)
            client.send("POST /hold HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n")
            #expect(recorder.waitFor { $0 == "data 4" })
            client.send("4\r\nabcdXX")
            #expect(client.read())
            #expect(client.text.hasSuffix("chunk data not followed by CRLF\n"))
            #expect(recorder.waitFor { $0 == "body failed: connectionClosed" })
            #expect(recorder.waitFor { $0 == "cancelled: connectionClosed" })
        }
    }

    @Test func clientVanishingMidBodyFailsTheBody() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { _, port in
            var client: Client? = try Client(port: port)
            client!.send("POST /hold HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789")
            #expect(recorder.waitFor { $0 == "data 10" })
            client = nil  // closes the socket
            #expect(recorder.waitFor { $0 == "body failed: connectionClosed" })
            #expect(recorder.waitFor { $0 == "cancelled: connectionClosed" })
            _ = client
        }
    }

    @Test func h2cUpgradeAnswers101AndServesStreamOne() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send(
                "GET /info HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nX-Custom: up\r\n\r\n")
            client.read { $0.contains("\r\n\r\n") }
            let switching = "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n"
            #expect(client.text.hasPrefix(switching))
            // Then the server speaks HTTP/2: its SETTINGS frame follows the 101.
            client.read { $0.utf8.count >= switching.utf8.count + 9 }
            let frame = Array(client.received.dropFirst(switching.utf8.count).prefix(9))
            #expect(frame.count == 9 && frame[3] == 0x4, "a SETTINGS frame")
        }
    }

    @Test(arguments: [
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AA*A\r\n",  // not base64url
        "Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n",  // HTTP2-Settings not in Connection
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: websocket\r\nHTTP2-Settings: AAMAAABk\r\n",
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n",  // no HTTP2-Settings
    ])
    func refusedUpgradesStayOnHTTP1(fields: String) async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send("GET /info HTTP/1.1\r\nHost: a\r\n\(fields)\r\nGET /info?next HTTP/1.1\r\nHost: a\r\n\r\n")
            client.read { $0.contains("/info?next") }
            #expect(client.text.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(client.text)")
            #expect(Self.count("HTTP/1.1 200 OK\r\n", in: client.text) == 2)
        }
    }

    @Test func upgradeIsOnlyForTheFirstRequest() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try Client(port: port)
            client.send(
                "GET /info?one HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /info?two HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABk\r\n\r\n")
            client.read { $0.contains("/info?two") }
            #expect(!client.text.contains("101"))
            #expect(Self.count("HTTP/1.1 200 OK", in: client.text) == 2)
        }
    }
}
}
