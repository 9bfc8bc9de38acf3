import CNghttp2
import Foundation
import HTTP2Server
import HTTP2TestSupport
import Testing

/// The server against libnghttp2's own client session over a real socket.
extension AllHTTP2ServerTests {
@Suite struct HTTP2StreamTests {
    @Test func fixedResponseCarriesRequestHeadToHandler() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(path: "/info?x=1", headers: [("x-custom", "Value")]))
            #expect(response.status == 200)
            #expect(response.bodyString == "GET /info?x=1 localhost http http2 Value")
            #expect(response.headers.contains { $0 == ("content-type", "text/plain") })
            #expect(response.headers.contains { $0 == ("x-empty", "") })
            // Connection-specific fields are illegal in HTTP/2 and must have been dropped.
            #expect(!response.headers.contains { $0.0 == "connection" })
        }
    }

    @Test func requestSentByteByByteIsEchoed() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            client.writeChunkSize = 1
            let payload = Array("hello, byte by byte".utf8)
            let response = try #require(client.fetch(method: "POST", path: "/echo", body: payload))
            #expect(response.status == 200)
            #expect(response.body == payload)
        }
    }

    @Test func bodySplitOverManyDataFramesArrivesWhole() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let response = try #require(client.fetch(method: "POST", path: "/echo", body: payload, maxChunk: 7))
            #expect(response.status == 200)
            #expect(response.body == payload)
            let chunks = Int(response.headers.first { $0.0 == "x-chunks" }?.1 ?? "0") ?? 0
            #expect(chunks > 100)
        }
    }

    @Test func requestThatArrivesInOneReadReachesTheHandlerWhole() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            // The client writes each request (HEADERS + DATA, and trailers) in one write, so the
            // server reads it whole: the handler gets the body at once, trailers included.
            let payload = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let plain = try #require(client.fetch(method: "POST", path: "/whole", body: payload))
            #expect(plain.body == payload)
            #expect(plain.headers.contains { $0 == ("x-whole", "yes") })
            #expect(plain.headers.contains { $0 == ("x-trailer", "-") })
            let trailed = try #require(client.fetch(method: "POST", path: "/whole", body: payload, trailers: [("x-trailer", "t1")]))
            #expect(trailed.body == payload)
            #expect(trailed.headers.contains { $0 == ("x-whole", "yes") })
            #expect(trailed.headers.contains { $0 == ("x-trailer", "t1") })
            let empty = try #require(client.fetch(method: "POST", path: "/whole"))
            #expect(empty.body.isEmpty)
            #expect(empty.headers.contains { $0 == ("x-whole", "yes") })
        }
    }

    @Test func requestTrickledByteByByteIsTheSameBody() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            client.writeChunkSize = 1
            let payload = Array("trickled, with trailers".utf8)
            let response = try #require(client.fetch(method: "POST", path: "/whole", body: payload, trailers: [("x-trailer", "t2")]))
            // Whole or not when the handler ran (that depends on reads), the same request.
            #expect(response.body == payload)
            #expect(response.headers.contains { $0 == ("x-trailer", "t2") })
        }
    }

    @Test func bodyPastTheLimitInTheHeadsReadStillReachesTheHandlerAsTooLarge() async throws {
        let recorder = Recorder()
        try await withServer({ $0.maxRequestBodySize = 100 }, handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(method: "POST", path: "/hold", body: [UInt8](repeating: 1, count: 1_000)))
            #expect(response.status == 413)
            #expect(recorder.waitFor { $0 == "cancelled: bodyTooLarge" })
            #expect(recorder.all.contains("body failed: bodyTooLarge"))
            #expect(!recorder.all.contains { $0.hasPrefix("data") })
            #expect(client.fetch(path: "/info")?.status == 200)
        }
    }

    @Test func trailersFollowBody() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(path: "/trailers"))
            #expect(response.status == 200)
            #expect(response.bodyString == "abc")
            #expect(response.trailers.contains { $0 == ("grpc-status", "0") })
            #expect(response.headerFrames == 2)
        }
    }

    @Test func ignoredBodiesDoNotStarveTheConnectionWindow() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            // 40 × 3 MiB unread bodies: each more than a stream window and together more than
            // the connection window, so this only completes if the server stops each upload
            // after answering and gives the unread bytes back.
            for _ in 0..<40 {
                let response = client.fetch(method: "POST", path: "/ignore", body: [UInt8](repeating: 2, count: 3 << 20))
                #expect(response?.bodyString == "ignored")
            }
            #expect(client.fetch(path: "/info")?.status == 200)
        }
    }

    @Test func largeStreamedResponseFromTaskArrivesWithTrailers() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(path: "/big"))
            #expect(response.body.count == 80 * 65536)
            #expect(response.body.last == 79)
            #expect(response.trailers.contains { $0 == ("x-done", "80") })
        }
    }

    @Test(arguments: ["/info", "/trailers"])
    func headRequestsGetHeadersOnly(path: String) async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(method: "HEAD", path: path))
            #expect(response.status == 200)
            #expect(response.endStreamOnFirstHeaders)
            #expect(response.dataFrames == 0)
            #expect(response.errorCode == 0)
        }
    }

    @Test func trailersOnlyIsOneHeadersFrameWithEndStream() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(path: "/trailers-only"))
            #expect(response.endStreamOnFirstHeaders)
            #expect(response.dataFrames == 0)
            #expect(response.headers.contains { $0 == ("grpc-status", "12") })
        }
    }

    @Test func clientResetMidBodyCancelsHandler() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let id = client.request(method: "POST", path: "/hold", body: Array(repeating: 1, count: 100), end: false)
            client.pump(timeout: 2) { recorder.all.contains("data 100") }
            #expect(recorder.all.contains("data 100"))
            client.reset(id)
            client.pump(timeout: 2) { recorder.all.contains { $0.hasPrefix("cancelled") } }
            #expect(recorder.all.contains("cancelled: resetByClient"))
            #expect(recorder.all.contains("body failed: resetByClient"))
            // The connection is still fine.
            #expect(client.fetch(path: "/info")?.status == 200)
            // The reset stream's objects are freed while the connection lives on.
            #expect(try await recorder.allBodiesFreed())
        }
    }

    @Test func vanishedClientCancelsHandler() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { server, port in
            do {
                let client = try NGHTTP2TestClient(port: port)
                client.request(method: "POST", path: "/hold", body: [1, 2, 3], end: false)
                client.pump(timeout: 2) { recorder.all.contains("data 3") }
            }  // socket closed here
            #expect(recorder.waitFor { $0 == "cancelled: connectionClosed" })
            #expect(recorder.waitFor { $0 == "body failed: connectionClosed" })
            var waited = 0
            while server.connectionCount > 0 && waited < 100 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 1
            }
            #expect(server.connectionCount == 0)
            // Nothing keeps the stream's objects alive once the connection is gone.
            var freed = try await recorder.allBodiesFreed()
            for _ in 0..<50 where !freed {
                try await Task.sleep(for: .milliseconds(20))
                freed = try await recorder.allBodiesFreed()
            }
            #expect(freed)
            #expect(!recorder.bodies.withLock { $0.isEmpty })
        }
    }

    @Test func oversizedHeaderBlockGets431AndConnectionStaysUsable() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let big = String(repeating: "a", count: 8000)
            let response = try #require(client.fetch(path: "/info", headers: [("x-a", big), ("x-b", big), ("x-c", big)]))
            #expect(response.status == 431)
            #expect(client.fetch(path: "/info")?.status == 200)
            #expect(client.goaways.isEmpty)
        }
    }

    @Test func resetFloodEndsConnectionWithGoaway() async throws {
        try await withServer({ $0.streamResetBurst = 50; $0.streamResetRate = 1 }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            for _ in 0..<200 {
                let id = client.request(path: "/hold")
                client.sendPending()
                client.reset(id)
                client.sendPending()
            }
            client.pump(timeout: 3) { client.peerClosed }
            #expect(client.goaways.contains { $0.errorCode != 0 })
            #expect(client.peerClosed)
            // The server itself is fine.
            let fresh = try NGHTTP2TestClient(port: port)
            #expect(fresh.fetch(path: "/info")?.status == 200)
        }
    }

    /// The default reset limit (burst 1000, then 100 per second): a client cancelling many
    /// calls at once (900 here) keeps its connection; a rapid-reset flood (3000) loses it.
    @Test func defaultResetLimitAllowsBurstsOfCancelsAndStopsAFlood() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            func openAndReset(_ client: NGHTTP2TestClient, _ count: Int) {
                for _ in 0..<count {
                    let id = client.request(path: "/hold")
                    client.sendPending()
                    client.reset(id)
                    client.sendPending()
                    if client.peerClosed { return }
                }
            }
            let canceller = try NGHTTP2TestClient(port: port)
            openAndReset(canceller, 900)
            #expect(canceller.fetch(path: "/info")?.status == 200)
            #expect(canceller.goaways.isEmpty)

            let flooder = try NGHTTP2TestClient(port: port)
            openAndReset(flooder, 3000)
            flooder.pump(timeout: 3) { flooder.peerClosed }
            #expect(flooder.goaways.contains { $0.errorCode != 0 })
            #expect(flooder.peerClosed)
        }
    }

    @Test func handlerAbortResetsOnlyThatStream() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(path: "/abort"))
            #expect(response.errorCode == NGHTTP2_CANCEL.rawValue)
            #expect(response.status == nil)
            #expect(client.fetch(path: "/info")?.status == 200)
        }
    }

    @Test func collectLimitFailsPastLimitAndDrainsTheRest() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let small = try #require(client.fetch(method: "POST", path: "/limited", body: [UInt8](repeating: 1, count: 1000)))
            #expect(small.bodyString == "1000")
            let big = try #require(client.fetch(method: "POST", path: "/limited", body: [UInt8](repeating: 1, count: 3 << 20)))
            #expect(big.headers.contains { $0 == ("x-error", "bodyTooLarge") })
            #expect(client.fetch(path: "/info")?.status == 200)
        }
    }

    @Test func bodyOverServerLimitGets413AndHandlerIsTold() async throws {
        let recorder = Recorder()
        try await withServer({ $0.maxRequestBodySize = 10_000 }, handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let response = try #require(client.fetch(method: "POST", path: "/hold", body: [UInt8](repeating: 1, count: 50_000)))
            #expect(response.status == 413, "\(client.frameLog) \(response)")
            #expect(recorder.waitFor { $0 == "cancelled: bodyTooLarge" })
            #expect(client.fetch(path: "/info")?.status == 200)
            // A declared content-length over the limit is refused before the handler runs.
            let declared = try #require(client.fetch(
                method: "POST", path: "/hold", headers: [("content-length", "50000")], body: [UInt8](repeating: 1, count: 50_000)))
            #expect(declared.status == 413)
            #expect(recorder.all.filter { $0.hasPrefix("cancelled") }.count == 1)
        }
    }

    @Test func deadlineFiresOnlyWhileTheStreamIsOpen() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let slow = try #require(client.fetch(path: "/deadline"))
            #expect(slow.headers.contains { $0 == ("grpc-status", "4") })
            let fast = try #require(client.fetch(path: "/deadline?fast"))
            #expect(fast.headers.contains { $0 == ("grpc-status", "0") })
            try await Task.sleep(for: .milliseconds(300))
            #expect(recorder.all == ["deadline fired /deadline"])
        }
    }

    @Test func pingIsAcknowledged() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            client.ping()
            #expect(client.pump(timeout: 2) { client.pingAcks == 1 })
        }
    }

    @Test func gracefulShutdownSendsTwoGoawaysAndFinishesInFlightRequest() async throws {
        let recorder = Recorder()
        try await withServer(handler: TestRoutes(recorder: recorder)) { server, port in
            let client = try NGHTTP2TestClient(port: port)
            let id = client.request(path: "/slow")
            client.pump(timeout: 2) { recorder.all.contains("slow started") }
            let shutdown = server.initiateGracefulShutdown(timeout: .seconds(5))
            client.pump(timeout: 5) { client.peerClosed }
            try await shutdown.get()
            #expect(client.goaways.first?.lastStreamID == Int32.max)
            #expect(client.goaways.last?.lastStreamID == id)
            #expect(client.goaways.count == 2)
            #expect(client.responses[id]?.status == 200)
            #expect(client.responses[id]?.bodyString == "slow done")
            #expect(throws: (any Error).self) { _ = try NGHTTP2TestClient(port: port) }
        }
    }

    @Test func slowHandlerBackPressuresClientThroughFlowControl() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let payload = [UInt8](repeating: 7, count: 4 << 20)
            let response = try #require(client.fetch(method: "POST", path: "/noread", body: payload))
            let numbers = response.bodyString.split(separator: " ").compactMap { Int($0) }
            #expect(numbers.count == 2)
            // Before the handler read anything, only one stream window (1 MiB) could arrive.
            #expect(numbers.first ?? .max <= 1 << 20)
            #expect(numbers.last == 4 << 20)
        }
    }

    @Test func manyConcurrentStreamsWithAsyncHandler() async throws {
        try await withServer(handler: AsyncHTTPHandlerAdapter(AsyncSummer())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            var ids: [Int32: Int] = [:]
            for i in 0..<200 {
                ids[client.request(method: "POST", path: "/sum", body: [UInt8](repeating: 0, count: i * 10))] = i * 10
            }
            let done = client.pump(timeout: 10) { ids.keys.allSatisfy { client.responses[$0]?.closed == true } }
            #expect(done)
            for (id, size) in ids {
                #expect(client.responses[id]?.bodyString == "\(size)")
            }
        }
    }

    @Test func garbageAfterPrefaceClosesConnectionButServerSurvives() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { _, port in
            let fd = try NGHTTP2TestClient.connect(port: port)
            let bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [UInt8](repeating: 0xFF, count: 64)
            _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
            var closed = false
            var buffer = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<200 {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 || (n < 0 && errno != EAGAIN) { closed = true; break }
            }
            close(fd)
            #expect(closed)
            let client = try NGHTTP2TestClient(port: port)
            #expect(client.fetch(path: "/info")?.status == 200)
        }
    }

    @Test func randomBytesNeverBreakTheServer() async throws {
        try await withServer(handler: TestRoutes(recorder: Recorder())) { server, port in
            var generator = SystemRandomNumberGenerator()
            for round in 0..<60 {
                let fd = try NGHTTP2TestClient.connect(port: port)
                let noise = (0..<Int.random(in: 1...4000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                // Half the rounds look like HTTP/2 (preface, then a valid-looking frame header).
                let prefix: [UInt8] = round % 2 == 0 ? Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0] : []
                let bytes = prefix + noise
                _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = recv(fd, &buffer, buffer.count, 0)
                close(fd)
            }
            let client = try NGHTTP2TestClient(port: port)
            #expect(client.fetch(path: "/info")?.status == 200)
            var waited = 0
            while server.connectionCount > 1 && waited < 150 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 1
            }
            #expect(server.connectionCount <= 1)
        }
    }

    @Test func pingsDoNotKeepAnIdleConnectionOpen() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let start = Date()
            while !client.peerClosed && Date().timeIntervalSince(start) < 3 {
                client.ping()
                client.pump(timeout: 0.1) { false }
            }
            #expect(client.peerClosed)
            #expect(client.goaways.count == 1)
            #expect(Date().timeIntervalSince(start) < 2)
        }
    }

    @Test func trickledHeaderBlockIsCutOff() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let fd = try NGHTTP2TestClient.connect(port: port)
            defer { close(fd) }
            // HPACK: :method GET, then a literal "x-abc" with a 900-byte value sent 1 byte at a time.
            let block: [UInt8] = [0x82, 0x00, 0x05] + Array("x-abc".utf8) + [0x7F, 0x85, 0x06] + [UInt8](repeating: 0x61, count: 900)
            let length = block.count
            var start: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
            start += [UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF), 1, 0x04, 0, 0, 0, 1]
            start += block[0..<20]
            _ = send(fd, start, start.count, Int32(MSG_NOSIGNAL))
            let began = Date()
            var closed = false
            var buffer = [UInt8](repeating: 0, count: 4096)
            for i in 20..<block.count {
                if send(fd, [block[i]], 1, Int32(MSG_NOSIGNAL)) <= 0 { closed = true; break }
                let n = recv(fd, &buffer, buffer.count, 0)  // waits ~20 ms
                if n == 0 || (n < 0 && errno != EAGAIN) { closed = true; break }
                usleep(30_000)
                if Date().timeIntervalSince(began) > 4 { break }
            }
            #expect(closed)
            #expect(Date().timeIntervalSince(began) < 2)
        }
    }

    /// A peer that vanished without a FIN (crashed host, cut cable) while a request was open:
    /// nothing arrives, so the server PINGs after one idle period and closes after the next.
    @Test func silentPeerWithAnOpenStreamIsClosedAfterAnUnansweredPing() async throws {
        let recorder = Recorder()
        try await withServer({ $0.idleTimeout = .milliseconds(300) }, handler: TestRoutes(recorder: recorder)) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let id = client.request(method: "POST", path: "/echo", body: [1, 2, 3], end: false)
            client.pump(timeout: 0.2) { false }
            // From here on the client reads but never writes: its PING ACK is never sent.
            let start = Date()
            while !client.peerClosed && Date().timeIntervalSince(start) < 3 { client.receiveOnce() }
            #expect(client.peerClosed)
            #expect(Date().timeIntervalSince(start) < 2)
            #expect(client.frameLog.contains { $0.0 == UInt8(NGHTTP2_PING.rawValue) && $0.1 & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 })
            #expect(client.responses[id]?.status == nil)
            #expect(recorder.waitFor { $0 == "echo failed: connectionClosed" })
        }
    }

    /// The same open request from a live client that is only slow: it answers the PINGs, so
    /// the connection stays through several idle periods and the request then completes.
    @Test func livePeerWithAnOpenStreamAnswersPingsAndStays() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            let id = client.request(method: "POST", path: "/echo", body: [1, 2, 3], end: false)
            client.pump(timeout: 1.5) { client.peerClosed }
            #expect(!client.peerClosed)
            #expect(client.frameLog.contains { $0.0 == UInt8(NGHTTP2_PING.rawValue) && $0.1 & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 })
            client.sendMore(id, [4, 5], end: true)
            #expect(client.pump { client.responses[id]?.closed == true })
            #expect(client.responses[id]?.status == 200)
            #expect(client.responses[id]?.body == [1, 2, 3, 4, 5])
        }
    }

    @Test func idleConnectionIsClosed() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(200) }, handler: TestRoutes(recorder: Recorder())) { _, port in
            let client = try NGHTTP2TestClient(port: port)
            #expect(client.fetch(path: "/info")?.status == 200)
            #expect(client.pump(timeout: 3) { client.peerClosed })
            #expect(client.goaways.count == 1)
        }
    }
}
}
