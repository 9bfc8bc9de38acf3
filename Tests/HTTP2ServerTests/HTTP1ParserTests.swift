@testable import HTTP2Server
import MetricsCore
import NIOCore
import Testing

/// One request as the parser delivered it: head, body bytes joined, trailers.
struct ParsedRequest: Equatable {
    var head: HTTP1RequestHead
    var body: [UInt8] = []
    var trailers: HTTPFields?
}

/// Feeds `bytes` to a parser in pieces of the given sizes (the rest in one piece), and
/// collects the requests and the error, if any.
func parseHTTP1(_ bytes: [UInt8], pieces: [Int] = [], limit: Int = 16 << 10) -> (requests: [ParsedRequest], error: HTTP1ParseError?) {
    var parser = HTTP1Parser(maxHeaderListSize: limit)
    var buffer = ByteBuffer()
    var requests: [ParsedRequest] = []
    var offset = 0
    var sizes = pieces
    while offset < bytes.count {
        let size = sizes.isEmpty ? bytes.count - offset : Swift.min(sizes.removeFirst(), bytes.count - offset)
        buffer.writeBytes(bytes[offset..<(offset + size)])
        offset += size
        do {
            while let event = try parser.next(&buffer) {
                switch event {
                case .head(let head): requests.append(ParsedRequest(head: head))
                case .body(let chunk): requests[requests.count - 1].body += chunk.readableBytesView
                case .end(let trailers): requests[requests.count - 1].trailers = trailers
                }
            }
        } catch {
            return (requests, error)
        }
    }
    return (requests, nil)
}

func parseHTTP1(_ text: String, limit: Int = 16 << 10) -> (requests: [ParsedRequest], error: HTTP1ParseError?) {
    parseHTTP1(Array(text.utf8), limit: limit)
}

extension AllHTTP2ServerTests {
@Suite struct HTTP1ParserTests {
    @Test func parsesRequestLineHeadersAndContentLengthBody() throws {
        let (requests, error) = parseHTTP1("POST /v1/x?y=1 HTTP/1.1\r\nHOST: a.test\r\nX-Pad:   spaced value \t\r\nContent-Length: 5\r\n\r\nhello")
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.head.method == "POST")
        #expect(request.head.target == "/v1/x?y=1")
        #expect(request.head.minorVersion == 1)
        #expect(request.head.headers.fields.map(\.name) == ["host", "x-pad", "content-length"])
        #expect(request.head.headers["x-pad"] == "spaced value")
        #expect(request.head.framing == .length(5))
        #expect(request.head.keepAlive)
        #expect(request.body == Array("hello".utf8))
        #expect(request.trailers == nil)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let text = "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-Sum: 15\r\nX-Other:  b \r\n\r\n"
        let (requests, error) = parseHTTP1(text)
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.head.framing == .chunked)
        #expect(request.body == Array("hello0123456789".utf8))
        #expect(request.trailers == ["x-sum": "15", "x-other": "b"])
    }

    @Test func keepAliveFollowsVersionAndConnection() {
        func keepAlive(_ version: String, _ connection: String?) -> Bool? {
            let field = connection.map { "Connection: \($0)\r\n" } ?? ""
            return parseHTTP1("GET / \(version)\r\n\(field)\r\n").requests.first?.head.keepAlive
        }
        #expect(keepAlive("HTTP/1.1", nil) == true)
        #expect(keepAlive("HTTP/1.1", "Close") == false)
        #expect(keepAlive("HTTP/1.1", "foo, close") == false)
        #expect(keepAlive("HTTP/1.0", nil) == false)
        #expect(keepAlive("HTTP/1.0", "Keep-Alive") == true)
        #expect(keepAlive("HTTP/1.2", nil) == true)
        #expect(parseHTTP1("GET / HTTP/1.2\r\n\r\n").requests.first?.head.minorVersion == 1)
        #expect(parseHTTP1("GET / HTTP/1.0\r\n\r\n").requests.first?.head.minorVersion == 0)
    }

    @Test func pipelinedRequestsAndLeadingEmptyLines() {
        let text = "\r\n\r\nGET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\nGET /c HTTP/1.1\r\n\r\n"
        let (requests, error) = parseHTTP1(text)
        #expect(error == nil)
        #expect(requests.map(\.head.target) == ["/a", "/b", "/c"])
        #expect(requests[1].body == Array("ok".utf8))
    }

    @Test func identicalContentLengthsAndObsTextAreAccepted() throws {
        let (requests, error) = parseHTTP1(Array("GET / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\nX-Latin: caf\u{e9}\r\n\r\nab".utf8))
        #expect(error == nil)
        #expect(try #require(requests.first).head.framing == .length(2))
        // Whitespace around the list's commas.
        let (spaced, spacedError) = parseHTTP1(Array("GET / HTTP/1.1\r\nContent-Length: 2 ,\t2 , 2\r\n\r\nab".utf8))
        #expect(spacedError == nil)
        #expect(try #require(spaced.first).head.framing == .length(2))
    }

    static let rejected: [(String, Int, String)] = [
        ("GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400, "obsolete line folding in header"),
        ("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400, "bare CR in header value"),
        ("GET / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n", 400, "NUL in header value"),
        ("GET / HTTP/1.1\r\nX-A: a\u{1}b\r\n\r\n", 400, "control character 0x1 in header value"),
        ("GET / HTTP/1.1\r\nX-A: a\u{7f}b\r\n\r\n", 400, "control character 0x7f in header value"),
        ("GET / HTTP/1.1\r\nX\u{0}A: a\r\n\r\n", 400, "invalid character 0x0 in header name"),
        ("GET / HTTP/1.1\r\nX(A): a\r\n\r\n", 400, "invalid character 0x28 in header name"),
        ("GET / HTTP/1.1\r\nX\rA: a\r\n\r\n", 400, "invalid character 0xd in header name"),
        ("GET / HTTP/1.1\r\nHost a\r\n\r\n", 400, "missing colon in header line"),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "whitespace before colon in header name"),
        ("GET / HTTP/1.1\r\n: a\r\n\r\n", 400, "empty header name"),
        ("GET / HTTP/1.1\nHost: a\n\n", 400, "bare LF in request header block"),
        ("G(T / HTTP/1.1\r\n\r\n", 400, "invalid method"),
        (" GET / HTTP/1.1\r\n\r\n", 400, "invalid method"),
        ("GET /\r\n\r\n", 400, "malformed request line"),
        ("GET  / HTTP/1.1\r\n\r\n", 400, "invalid request target"),
        ("GET /a\u{7f} HTTP/1.1\r\n\r\n", 400, "invalid request target"),
        ("GET / HTTP/1.1 \r\n\r\n", 400, "invalid HTTP version"),
        ("GET / http/1.1\r\n\r\n", 400, "invalid HTTP version"),
        ("GET / HTTP/1.10\r\n\r\n", 400, "invalid HTTP version"),
        ("GET / HTTP/2.0\r\n\r\n", 505, "HTTP version not supported: HTTP/2.0"),
        ("GET / HTTP/0.9\r\n\r\n", 505, "HTTP version not supported: HTTP/0.9"),
        ("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "conflicting Content-Length values"),
        ("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", 400, "conflicting Content-Length values"),
        ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "Content-Length too large"),
        ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999x\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 5 6\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 5,,5\r\n\r\n", 400, "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both Transfer-Encoding and Content-Length"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "both Transfer-Encoding and Content-Length"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "Transfer-Encoding does not end in chunked"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400, "Transfer-Encoding does not end in chunked"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n", 400, "Transfer-Encoding does not end in chunked"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "transfer coding not implemented: gzip"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "chunked applied more than once"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Transfer-Encoding in an HTTP/1.0 request"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "chunk size not hexadecimal"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400, "chunk size not hexadecimal"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", 400, "chunk size not hexadecimal"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400, "chunk size too large"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX", 400, "chunk data not followed by CRLF"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n", 400, "bare CR in chunk size line"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n", 400, "bare LF in chunk size line"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 1100), 400, "chunk size line too long"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\u{0}\r\n\r\n", 400, "NUL in header value"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\n\r\n", 400, "bare LF in trailer section"),
    ]

    @Test(arguments: rejected)
    func rejectsMalformedInputNamingWhatWasWrong(input: String, status: Int, message: String) {
        let (_, error) = parseHTTP1(input)
        #expect(error == HTTP1ParseError(status: status, message: message), "\(input.debugDescription)")
        // The same verdict whatever the reads look like.
        let (_, byteByByte) = parseHTTP1(Array(input.utf8), pieces: Array(repeating: 1, count: input.utf8.count))
        #expect(byteByByte == HTTP1ParseError(status: status, message: message), "\(input.debugDescription)")
    }

    @Test func oversizedHeadsAndTrailersGet431() {
        let big = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "h", count: 200) + "\r\n\r\n"
        #expect(parseHTTP1(big, limit: 100).error == HTTP1ParseError(status: 431, message: "request header block exceeds 100 bytes"))
        // A request line that never ends is cut off at the limit, not buffered forever.
        let endless = "GET /" + String(repeating: "a", count: 150)
        #expect(parseHTTP1(endless, limit: 100).error == HTTP1ParseError(status: 431, message: "request header block exceeds 100 bytes"))
        // A complete head one byte over the limit, and one exactly at it.
        let exact = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 100 - 23) + "\r\n\r\n"
        #expect(exact.utf8.count == 100)
        #expect(parseHTTP1(exact, limit: 100).error == nil)
        #expect(parseHTTP1(exact, limit: 99).error?.status == 431)
        let trailers = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + String(repeating: "t", count: 200) + "\r\n\r\n"
        #expect(parseHTTP1(trailers, limit: 100).error == HTTP1ParseError(status: 431, message: "trailer section exceeds 100 bytes"))
    }

    @Test func errorsAreSticky() {
        var parser = HTTP1Parser(maxHeaderListSize: 1024)
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nX A: b\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        #expect(throws: HTTP1ParseError.bad("whitespace before colon in header name")) { try parser.next(&buffer) }
        #expect(throws: HTTP1ParseError.bad("whitespace before colon in header name")) { try parser.next(&buffer) }
    }

    // MARK: Property: any chunking of the input parses the same

    /// A random valid request and its wire form.
    struct GeneratedRequest {
        var bytes: [UInt8]
        var method: String
        var target: String
        var minorVersion: Int
        var fields: [(String, String)]
        var body: [UInt8]
        var trailers: [(String, String)]
    }

    static func generate(_ rng: inout SplitMix64) -> GeneratedRequest {
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        func token(_ length: ClosedRange<Int>) -> String {
            let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~")
            return String((0..<Int.random(in: length, using: &rng)).map { _ in pick(chars) })
        }
        func value() -> String {
            let chars = Array("abcXYZ019 ,;=/\"()<>@[]{}?\t") + ["\u{e9}"]
            let inner = String((0..<Int.random(in: 0...20, using: &rng)).map { _ in pick(chars) })
            return inner.trimmingOWS()
        }
        func ows() -> String { pick(["", " ", "  ", "\t", " \t"]) }

        let method = pick(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "M-SEARCH"])
        let target = pick(["/", "*", "/v1/metrics", "/a/b?c=d&e=%20f", "http://host.test/x"]) + (Bool.random(using: &rng) ? "" : "/" + token(1...8))
        let minor = Int.random(in: 0..<4, using: &rng) == 0 ? 0 : 1
        var text = "\(method) \(target) HTTP/1.\(minor)\r\n"
        var fields: [(String, String)] = []
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            var name = token(1...12)
            if ["content-length", "transfer-encoding", "connection"].contains(name.lowercased()) { name = "x-" + name }
            let v = value()
            fields.append((name.lowercased(), v))
            text += "\(name):\(ows())\(v)\(ows())\r\n"
        }
        var body: [UInt8] = []
        var trailers: [(String, String)] = []
        var framing = Int.random(in: 0..<3, using: &rng)
        if minor == 0 && framing == 2 { framing = 1 }
        if framing > 0 {
            body = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        var wireBody: [UInt8] = []
        switch framing {
        case 1:
            fields.append(("content-length", "\(body.count)"))
            text += "Content-Length: \(body.count)\r\n"
            wireBody = body
        case 2:
            fields.append(("transfer-encoding", "chunked"))
            text += "Transfer-Encoding: chunked\r\n"
            var offset = 0
            while offset < body.count {
                let size = Swift.min(Int.random(in: 1...120, using: &rng), body.count - offset)
                let hex = Bool.random(using: &rng) ? String(size, radix: 16) : String(size, radix: 16).uppercased()
                let ext = Bool.random(using: &rng) ? "" : ";\(token(1...5))=\(token(1...5))"
                wireBody += Array("\(hex)\(ext)\r\n".utf8) + body[offset..<(offset + size)] + Array("\r\n".utf8)
                offset += size
            }
            wireBody += Array("0\r\n".utf8)
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                let name = "x-t-" + token(1...6).lowercased()
                let v = value()
                trailers.append((name, v))
                wireBody += Array("\(name):\(ows())\(v)\r\n".utf8)
            }
            wireBody += Array("\r\n".utf8)
        default:
            break
        }
        text += "\r\n"
        return GeneratedRequest(
            bytes: Array(text.utf8) + wireBody, method: method, target: target, minorVersion: minor, fields: fields,
            body: body, trailers: trailers)
    }

    @Test func anyChunkingParsesLikeTheWholeInput() throws {
        var rng = SplitMix64(seed: 0x6831_636F_6465_63)
        for round in 0..<150 {
            let generated = (0..<Int.random(in: 1...4, using: &rng)).map { _ in Self.generate(&rng) }
            let bytes = generated.flatMap(\.bytes)
            let whole = parseHTTP1(bytes)
            try #require(whole.error == nil, "round \(round): \(whole.error!)")
            try #require(whole.requests.count == generated.count, "round \(round)")
            for (parsed, expected) in zip(whole.requests, generated) {
                #expect(parsed.head.method == expected.method)
                #expect(parsed.head.target == expected.target)
                #expect(parsed.head.minorVersion == expected.minorVersion)
                #expect(parsed.head.headers.fields.map { [$0.name, $0.value] } == expected.fields.map { [$0.0, $0.1] })
                #expect(parsed.body == expected.body)
                #expect(parsed.trailers?.fields.map { [$0.name, $0.value] } ?? [] == expected.trailers.map { [$0.0, $0.1] })
            }
            // Byte by byte, at every split point in two (on small inputs), and random chunkings.
            #expect(parseHTTP1(bytes, pieces: Array(repeating: 1, count: bytes.count)).requests == whole.requests, "round \(round)")
            if bytes.count < 600 {
                for split in 1..<bytes.count {
                    let parsed = parseHTTP1(bytes, pieces: [split])
                    try #require(parsed.requests == whole.requests && parsed.error == nil, "round \(round), split at \(split)")
                }
            }
            for _ in 0..<5 {
                let pieces = Self.randomPieces(total: bytes.count, &rng)
                #expect(parseHTTP1(bytes, pieces: pieces).requests == whole.requests, "round \(round), pieces \(pieces)")
            }
        }
    }

    /// A connection's parser hands out the previous head's strings where the bytes repeat
    /// (`HeaderBlockReuse`). Each head of a random sequence drawn from a small vocabulary
    /// (names in several cases, repeated and changed values, longer and shorter heads) must
    /// parse as it does alone, on a fresh parser.
    @Test func repeatedHeadsParseAsTheyDoAlone() throws {
        var rng = SplitMix64(seed: 0x7265_7573_6531)
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        let names = ["host", "Host", "HOST", "content-type", "Content-Type", "authorization", "x-a", "X-A", "x-b", "X-B", "accept", "Expect"]
        let values = ["", "a", "A", "application/json", "Bearer load-token", "Bearer other", "\u{e9}t\u{e9}"]
        for round in 0..<40 {
            var parser = HTTP1Parser(maxHeaderListSize: 16 << 10)
            var buffer = ByteBuffer()
            var previous: [(String, String)] = []
            for request in 0..<25 {
                var fields = previous
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: fields = (0..<Int.random(in: 0...8, using: &rng)).map { _ in (pick(names), pick(values)) }
                case 1 where !fields.isEmpty: fields[Int.random(in: 0..<fields.count, using: &rng)].1 = pick(values)
                case 2 where !fields.isEmpty: fields[Int.random(in: 0..<fields.count, using: &rng)].0 = pick(names)
                case 3: fields.append((pick(names), pick(values)))
                default: if !fields.isEmpty { fields.removeLast() }
                }
                previous = fields
                let target = pick(["/metrics?limit=50", "/metrics?limit=5", "/"])
                var text = "\(pick(["POST", "GET"])) \(target) HTTP/1.1\r\n"
                for (n, v) in fields { text += "\(n): \(v)\r\n" }
                text += "content-length: 0\r\n\r\n"
                let alone = parseHTTP1(text)
                try #require(alone.requests.count == 1, "round \(round) request \(request)")
                buffer.writeString(text)
                var heads: [HTTP1RequestHead] = []
                while let event = try parser.next(&buffer) { if case .head(let h) = event { heads.append(h) } }
                try #require(heads.count == 1)
                #expect(heads[0] == alone.requests[0].head, "round \(round) request \(request)")
                #expect(heads[0].headers.fields.map(\.name) == fields.map { $0.0.lowercased() } + ["content-length"])
            }
        }
    }

    static func randomPieces(total: Int, _ rng: inout SplitMix64) -> [Int] {
        var pieces: [Int] = []
        var sum = 0
        while sum < total {
            let size = Int.random(in: 1...64, using: &rng)
            pieces.append(size)
            sum += size
        }
        return pieces
    }

    /// Damaged input (bytes overwritten with CR, LF, NUL, space, colon, digits, letters)
    /// never traps, and gives the same requests and the same verdict however it is split.
    @Test func damagedInputGivesTheSameVerdictWhateverTheSplit() {
        var rng = SplitMix64(seed: 0xBAD_C0DE)
        let noise: [UInt8] = Array("\r\n\0 :;\t0fxZ,".utf8) + [0x7F, 0x01, 0xC3]
        var verdicts: Set<String> = []
        for round in 0..<400 {
            var bytes = (0..<Int.random(in: 1...3, using: &rng)).flatMap { _ in Self.generate(&rng).bytes }
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = noise[Int.random(in: 0..<noise.count, using: &rng)]
            }
            let whole = parseHTTP1(bytes)
            verdicts.insert(whole.error?.message ?? "accepted")
            let byteByByte = parseHTTP1(bytes, pieces: Array(repeating: 1, count: bytes.count))
            #expect(byteByByte.requests == whole.requests && byteByByte.error == whole.error, "round \(round)")
            let pieces = Self.randomPieces(total: bytes.count, &rng)
            let chunked = parseHTTP1(bytes, pieces: pieces)
            #expect(chunked.requests == whole.requests && chunked.error == whole.error, "round \(round), pieces \(pieces)")
        }
        // The damage must reach many different checks, or this test proves little.
        #expect(verdicts.count >= 10, "\(verdicts.sorted())")
    }
}
}

extension String {
    /// Without leading and trailing spaces and tabs (what the parser strips from values).
    func trimmingOWS() -> String {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(self.drop(while: isOWS).reversed().drop(while: isOWS).reversed())
    }
}
