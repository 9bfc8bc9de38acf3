@testable import HTTP2Server
import NIOCore
import NIOEmbedded
import Testing

extension AllHTTP2ServerTests {
    @Suite struct UnitTests {
        @Test(arguments: [
            (1, 200, "HTTP/1.1 200 OK\r\n"), (0, 200, "HTTP/1.0 200 OK\r\n"), (1, 404, "HTTP/1.1 404 Not Found\r\n"),
            (1, 413, "HTTP/1.1 413 Content Too Large\r\n"), (0, 500, "HTTP/1.0 500 Internal Server Error\r\n"),
        ])
        func statusLines(minor: Int, status: Int, line: String) {
            var buffer = ByteBuffer()
            buffer.writeStatusLine(minorVersion: minor, status: status)
            #expect(String(buffer: buffer) == line)
        }

        @Test func decimalsAreWrittenInPlace() {
            for value in [0, 7, 9, 10, 99, 100, 4_194_304, Int.max] {
                var buffer = ByteBuffer()
                buffer.writeDecimal(value)
                #expect(String(buffer: buffer) == String(value))
            }
        }

        @Test func fieldsLowercaseNamesAndLookUpCaseInsensitively() {
            var fields: HTTPFields = ["Content-Type": "text/plain"]
            fields.add(name: "X-Multi", value: "1")
            fields.add(name: "x-multi", value: "2")
            #expect(fields.fields.map(\.name) == ["content-type", "x-multi", "x-multi"])
            #expect(fields["CONTENT-TYPE"] == "text/plain")
            #expect(fields["content-type"] == "text/plain")
            #expect(fields["Content-Length"] == nil && fields["content-length"] == nil)
            #expect(fields.values(for: "X-Multi") == ["1", "2"])
            fields.replaceOrAdd(name: "x-multi", value: "3")
            #expect(fields.values(for: "x-multi") == ["3"])
        }

        @Test(arguments: [
            ("", [UInt8]()),
            ("AAMAAABk", [0, 3, 0, 0, 0, 100]),
            ("AAMAAABkAAQCAAAAAAIAAAAA", [0, 3, 0, 0, 0, 100, 0, 4, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0]),
            ("_-8", [0xFF, 0xEF]),
        ])
        func base64URLDecodesSettingsPayload(text: String, expected: [UInt8]) {
            #expect(H2CUpgrader.base64URLDecode(text) == expected)
        }

        @Test(arguments: [[5], [1, 1, 1], [0, 7, 3], [16, 16, 16, 1]], [1, 4, 100])
        func byteBufferQueueCopiesAcrossChunksInOrder(chunkSizes: [Int], step: Int) {
            var queue = ByteBufferQueue()
            var expected: [UInt8] = []
            var next: UInt8 = 0
            for size in chunkSizes {
                let bytes = (0..<size).map { _ in next &+= 1; return next }
                expected += bytes
                queue.append(ByteBuffer(bytes: bytes))
            }
            var out: [UInt8] = []
            var scratch = [UInt8](repeating: 0, count: step)
            while !queue.isEmpty {
                let n = scratch.withUnsafeMutableBytes { queue.copy(into: $0.baseAddress!, length: step) }
                out += scratch[0..<n]
            }
            #expect(out == expected)
        }

        @Test func base64URLRejectsForeignCharacters() {
            #expect(H2CUpgrader.base64URLDecode("AA*A") == nil)
        }

        @Test(arguments: [
            ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ProtocolSniffer.Verdict.http2),
            ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0", .http2),
            ("PRI * HTT", .needMore),
            ("", .needMore),
            ("GET / HTTP/1.1\r\n\r\n", .http1),
            ("PRI * HTTP/1.1\r\n", .http1),
            ("P", .needMore),
            ("\u{16}\u{03}\u{01}", .http1),
        ])
        func snifferDecidesAsEarlyAsPossible(input: String, verdict: ProtocolSniffer.Verdict) {
            #expect(ProtocolSniffer.classify(ByteBuffer(string: input)) == verdict)
        }

        /// HTTP/2 has its own idle check; the connection-wide IdleStateHandler (for undecided
        /// and HTTP/1.1 connections) must leave the pipeline when HTTP/2 takes over.
        @Test func http2ConnectionRemovesTheIdleStateHandler() throws {
            let channel = EmbeddedChannel()
            let settings = HTTP2Server.Configuration(host: "127.0.0.1", port: 0)
            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: .seconds(5)))
            #expect((try? channel.pipeline.syncOperations.handler(type: IdleStateHandler.self)) != nil)
            try channel.pipeline.syncOperations.addHandler(
                HTTP2Connection(settings: settings, handler: TestRoutes(recorder: Recorder())))
            #expect((try? channel.pipeline.syncOperations.handler(type: IdleStateHandler.self)) == nil)
            #expect((try? channel.pipeline.syncOperations.handler(type: HTTP2Connection.self)) != nil)
            _ = try? channel.finish()
        }

        @Test func cancelHandlersRunOnceInTheOrderAdded() {
            var handlers = CancelHandlers()
            var ran: [Int] = []
            for i in 0..<3 { handlers.append { _ in ran.append(i) } }
            let error = HTTPStreamError(code: .resetByClient, message: "reset")
            handlers.runAndRemove(error)
            #expect(ran == [0, 1, 2])
            handlers.runAndRemove(error)
            #expect(ran == [0, 1, 2])
            handlers.append { _ in ran.append(9) }
            handlers.runAndRemove(error)
            #expect(ran == [0, 1, 2, 9])
        }
}
}
