#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Why a request cannot be parsed: the status to answer with and a message naming what was
/// wrong. The connection answers it and closes (RFC 9112 leaves no way to resynchronise).
struct HTTP1ParseError: Error, Hashable, CustomStringConvertible {
    var status: Int
    var message: String

    static func bad(_ message: String) -> Self { Self(status: 400, message: message) }
    var description: String { "\(self.status) \(self.message)" }
}

/// A request head as parsed from the wire, with what the connection needs to frame it.
struct HTTP1RequestHead: Hashable {
    enum Framing: Hashable {
        case none
        case length(Int)
        case chunked
    }

    var method: String
    var target: String
    /// 0 for HTTP/1.0; 1 for HTTP/1.1 (and HTTP/1.x, x > 1, which RFC 9112 §2.3 says to treat
    /// as the highest minor version we support).
    var minorVersion: Int
    var headers: HTTPFields
    var framing: Framing
    /// HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`.
    var keepAlive: Bool
    /// The `Connection` header's tokens, lowercased (e.g. `upgrade`, `http2-settings`).
    var connectionTokens: [String]
}

/// An incremental HTTP/1.1 request parser (RFC 9112): heads straight into `HTTPFields`,
/// Content-Length and chunked bodies (trailers included), one request after another.
///
/// The caller appends what it reads to one `ByteBuffer` and calls `next` until it returns nil
/// (more bytes needed); the parser consumes what it returned. Bytes of a head or trailer
/// section stay in the buffer until the section is complete, but the search for its end
/// resumes where it stopped, so a request fed byte by byte is still scanned once.
struct HTTP1Parser {
    enum Event: Hashable {
        case head(HTTP1RequestHead)
        case body(ByteBuffer)
        case end(trailers: HTTPFields?)
    }

    private enum State {
        /// Waiting for (the rest of) a request head; `scanned` bytes were already searched.
        case head(scanned: Int)
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(scanned: Int)
        case failed(HTTP1ParseError)
    }

    /// A chunk-size line (size, extensions) longer than this is refused.
    static let maxChunkSizeLine = 1024

    let maxHeaderListSize: Int
    private var state = State.head(scanned: 0)
    /// The previous request head's strings, handed out again where the bytes repeat.
    private var reuse = HeaderBlockReuse()

    init(maxHeaderListSize: Int) {
        self.maxHeaderListSize = maxHeaderListSize
    }

    /// The next event from `buffer`, or nil when more bytes are needed. After an error every
    /// later call throws the same error.
    mutating func next(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Event? {
        do {
            return try self.step(&buffer)
        } catch let error as HTTP1ParseError {
            self.state = .failed(error)
            throw error
        } catch {
            let failure = HTTP1ParseError.bad("\(error)")  // never happens: only HTTP1ParseError is thrown
            self.state = .failed(failure)
            throw failure
        }
    }

    private mutating func step(_ buffer: inout ByteBuffer) throws -> Event? {
        switch self.state {
        case .failed(let error):
            throw error
        case .head(var scanned):
            if scanned == 0 {
                // RFC 9112 §2.2: ignore empty lines before a request line (some clients send
                // a CRLF after a body).
                while buffer.readableBytes >= 2, buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) == 0x0D0A {
                    buffer.moveReaderIndex(forwardBy: 2)
                }
                if buffer.readableBytes == 1, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "\r") {
                    return nil
                }
            }
            guard let end = try self.findSectionEnd(buffer, scanned: &scanned, what: "request header block") else {
                self.state = .head(scanned: scanned)
                return nil
            }
            let head = try buffer.withUnsafeReadableBytes { raw in
                try Self.parseHead(UnsafeRawBufferPointer(rebasing: raw[0..<end]), reuse: &self.reuse)
            }
            buffer.moveReaderIndex(forwardBy: end)
            switch head.framing {
            case .none, .length(0): self.state = .body(remaining: 0)
            case .length(let n): self.state = .body(remaining: n)
            case .chunked: self.state = .chunkSize
            }
            return .head(head)
        case .body(let remaining):
            if remaining == 0 {
                self.state = .head(scanned: 0)
                return .end(trailers: nil)
            }
            guard buffer.readableBytes > 0 else { return nil }
            let n = Swift.min(remaining, buffer.readableBytes)
            self.state = .body(remaining: remaining - n)
            return .body(buffer.readSlice(length: n)!)
        case .chunkSize:
            guard let size = try Self.parseChunkSize(&buffer) else { return nil }
            self.state = size == 0 ? .trailers(scanned: 0) : .chunkData(remaining: size)
            return try self.step(&buffer)
        case .chunkData(let remaining):
            guard buffer.readableBytes > 0 else { return nil }
            let n = Swift.min(remaining, buffer.readableBytes)
            self.state = n == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - n)
            return .body(buffer.readSlice(length: n)!)
        case .chunkDataEnd:
            guard buffer.readableBytes >= 2 else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw HTTP1ParseError.bad("chunk data not followed by CRLF")
            }
            self.state = .chunkSize
            return try self.step(&buffer)
        case .trailers(var scanned):
            guard let end = try self.findSectionEnd(buffer, scanned: &scanned, what: "trailer section") else {
                self.state = .trailers(scanned: scanned)
                return nil
            }
            var trailers = HTTPFields()
            if end > 2 {
                try buffer.withUnsafeReadableBytes { raw in
                    var framing = FramingFields()
                    let section = UnsafeRawBufferPointer(rebasing: raw[0..<end])
                    try Self.parseFieldLines(section, framing: &framing) { name, lower, value in
                        let field = (
                            name: lower ? HeaderBlockReuse.lowercasedString(name) : String(decoding: name, as: UTF8.self),
                            value: String(decoding: value, as: UTF8.self))
                        trailers.appendLowercased(name: field.name, value: field.value)
                        return field
                    }
                }
            }
            buffer.moveReaderIndex(forwardBy: end)
            self.state = .head(scanned: 0)
            return .end(trailers: trailers.isEmpty ? nil : trailers)
        }
    }

    // MARK: Sections (request head, trailers)

    /// The length of the section at the start of `buffer` up to and including the empty line
    /// that ends it, or nil if it has not all arrived. Every line must end in CRLF.
    private func findSectionEnd(_ buffer: ByteBuffer, scanned: inout Int, what: String) throws -> Int? {
        let limit = self.maxHeaderListSize
        let found: Int? = try buffer.withUnsafeReadableBytes { raw -> Int? in
            var i = scanned
            while i < raw.count {
                if raw[i] == UInt8(ascii: "\n") {
                    guard i > 0, raw[i - 1] == UInt8(ascii: "\r") else { throw HTTP1ParseError.bad("bare LF in \(what)") }
                    // An empty line: CRLF at the start, or CRLF right after the previous CRLF.
                    if i == 1 || (i >= 3 && raw[i - 3] == UInt8(ascii: "\r") && raw[i - 2] == UInt8(ascii: "\n")) {
                        return i + 1
                    }
                }
                i += 1
            }
            return nil
        }
        if let found {
            if found > limit { throw Self.tooLarge(what, limit) }
            return found
        }
        scanned = buffer.readableBytes
        if scanned > limit { throw Self.tooLarge(what, limit) }
        return nil
    }

    private static func tooLarge(_ what: String, _ limit: Int) -> HTTP1ParseError {
        HTTP1ParseError(status: 431, message: "\(what) exceeds \(limit) bytes")
    }

    /// What the header fields say about framing and persistence, gathered while parsing.
    struct FramingFields {
        var contentLength: Int?
        var transferCodings: [String] = []
        var sawTransferEncoding = false
        var connectionTokens: [String] = []
    }

    /// Parses a complete head: request line, field lines, the final CRLF.
    /// `reuse` keeps the previous head's strings: the request line counts as its first field
    /// (method, target), then the header fields in order.
    static func parseHead(_ bytes: UnsafeRawBufferPointer, reuse: inout HeaderBlockReuse) throws -> HTTP1RequestHead {
        guard let lineEnd = Self.lineEnd(bytes, from: 0) else { throw HTTP1ParseError.bad("malformed request line") }
        let line = UnsafeRawBufferPointer(rebasing: bytes[0..<lineEnd])
        guard let firstSpace = Self.index(of: UInt8(ascii: " "), in: line, from: 0) else { throw HTTP1ParseError.bad("malformed request line") }
        guard firstSpace > 0, line[0..<firstSpace].allSatisfy(isTokenByte) else { throw HTTP1ParseError.bad("invalid method") }
        guard let secondSpace = Self.index(of: UInt8(ascii: " "), in: line, from: firstSpace + 1) else {
            throw HTTP1ParseError.bad("malformed request line")
        }
        let target = line[(firstSpace + 1)..<secondSpace]
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw HTTP1ParseError.bad("invalid request target") }
        let minor = try Self.parseVersion(UnsafeRawBufferPointer(rebasing: line[(secondSpace + 1)...]))

        reuse.begin()
        let (method, targetString) = reuse.strings(
            name: UnsafeRawBufferPointer(rebasing: line[0..<firstSpace]), value: UnsafeRawBufferPointer(rebasing: target))
        var framing = FramingFields()
        let fieldSection = UnsafeRawBufferPointer(rebasing: bytes[(lineEnd + 2)...])
        try Self.parseFieldLines(fieldSection, framing: &framing) { name, lower, value in
            let field = reuse.strings(name: name, value: value, lowercasingName: lower)
            reuse.append(name: field.name, value: field.value)
            return field
        }
        let headers = reuse.finish()

        let body: HTTP1RequestHead.Framing
        if framing.sawTransferEncoding {
            // RFC 9112 §6.1 and §6.3: anything but a final `chunked` cannot be framed, and
            // Transfer-Encoding next to Content-Length is how requests get smuggled.
            guard framing.contentLength == nil else { throw HTTP1ParseError.bad("both Transfer-Encoding and Content-Length") }
            guard minor == 1 else { throw HTTP1ParseError.bad("Transfer-Encoding in an HTTP/1.0 request") }
            guard framing.transferCodings.last == "chunked" else { throw HTTP1ParseError.bad("Transfer-Encoding does not end in chunked") }
            if framing.transferCodings.count > 1 {
                if framing.transferCodings.dropLast().contains("chunked") { throw HTTP1ParseError.bad("chunked applied more than once") }
                throw HTTP1ParseError(status: 501, message: "transfer coding not implemented: \(framing.transferCodings[0])")
            }
            body = .chunked
        } else if let length = framing.contentLength {
            body = .length(length)
        } else {
            body = .none
        }
        let keepAlive =
            minor == 1 ? !framing.connectionTokens.contains("close") : framing.connectionTokens.contains("keep-alive")
        return HTTP1RequestHead(
            method: method,
            target: targetString,
            minorVersion: minor,
            headers: headers,
            framing: body,
            keepAlive: keepAlive,
            connectionTokens: framing.connectionTokens
        )
    }

    /// `HTTP/1.0` → 0, `HTTP/1.1` (or a later 1.x) → 1; other majors get 505.
    private static func parseVersion(_ v: UnsafeRawBufferPointer) throws -> Int {
        guard v.count == 8, v.starts(with: "HTTP/".utf8), isDigit(v[5]), v[6] == UInt8(ascii: "."), isDigit(v[7]) else {
            throw HTTP1ParseError.bad("invalid HTTP version")
        }
        guard v[5] == UInt8(ascii: "1") else {
            throw HTTP1ParseError(status: 505, message: "HTTP version not supported: \(String(decoding: v, as: UTF8.self))")
        }
        return v[7] == UInt8(ascii: "0") ? 0 : 1
    }

    /// The index of the CR of the CRLF that ends the line starting at `from`.
    private static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let lf = Self.index(of: UInt8(ascii: "\n"), in: bytes, from: from), lf > from else { return nil }
        return lf - 1  // findSectionEnd checked that every LF follows a CR
    }

    /// The first index at or after `from` holding `byte` (memchr: `firstIndex(of:)` on a
    /// buffer slice is generic, about 1 % of a pipelined request in perf).
    static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress,
              let hit = memchr(base + from, Int32(byte), bytes.count - from)
        else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// Field lines up to and including the empty line (RFC 9112 §5, RFC 9110 §5.5).
    /// Each field line is checked, then `field` (name bytes, whether the name holds uppercase,
    /// value bytes) makes and stores its strings, which framing then reads.
    static func parseFieldLines(
        _ bytes: UnsafeRawBufferPointer, framing: inout FramingFields,
        field: (UnsafeRawBufferPointer, Bool, UnsafeRawBufferPointer) -> (name: String, value: String)
    ) throws {
        var start = 0
        while let end = Self.lineEnd(bytes, from: start), end > start {
            try Self.parseFieldLine(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), framing: &framing, field: field)
            start = end + 2
        }
    }

    private static func parseFieldLine(
        _ line: UnsafeRawBufferPointer, framing: inout FramingFields,
        field: (UnsafeRawBufferPointer, Bool, UnsafeRawBufferPointer) -> (name: String, value: String)
    ) throws {
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") { throw HTTP1ParseError.bad("obsolete line folding in header") }
        var colon = 0
        var uppercase = false
        while colon < line.count, isTokenByte(line[colon]) {
            uppercase = uppercase || (line[colon] >= UInt8(ascii: "A") && line[colon] <= UInt8(ascii: "Z"))
            colon += 1
        }
        guard colon < line.count, line[colon] == UInt8(ascii: ":") else {
            if !line.contains(UInt8(ascii: ":")) { throw HTTP1ParseError.bad("missing colon in header line") }
            if line[colon] == UInt8(ascii: " ") || line[colon] == UInt8(ascii: "\t") {
                throw HTTP1ParseError.bad("whitespace before colon in header name")
            }
            throw HTTP1ParseError.bad("invalid character 0x\(String(line[colon], radix: 16)) in header name")
        }
        guard colon > 0 else { throw HTTP1ParseError.bad("empty header name") }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, isWhitespace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        for byte in line[valueStart..<valueEnd] where !isFieldValueByte(byte) {
            switch byte {
            case UInt8(ascii: "\r"): throw HTTP1ParseError.bad("bare CR in header value")
            case 0: throw HTTP1ParseError.bad("NUL in header value")
            default: throw HTTP1ParseError.bad("control character 0x\(String(byte, radix: 16)) in header value")
            }
        }
        let (name, value) = field(
            UnsafeRawBufferPointer(rebasing: line[0..<colon]), uppercase,
            UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]))
        switch name {
        case "content-length":
            let length = try Self.parseContentLength(value)
            if let previous = framing.contentLength, previous != length { throw HTTP1ParseError.bad("conflicting Content-Length values") }
            framing.contentLength = length
        case "transfer-encoding":
            framing.sawTransferEncoding = true
            framing.transferCodings += Self.tokens(value)
        case "connection":
            framing.connectionTokens += Self.tokens(value)
        default:
            break
        }
    }

    /// One length, or a list of identical ones (RFC 9110 §8.6); digits only, no overflow.
    /// One pass over the bytes (generic slices, splits and trims were ~1 % of a request): each
    /// element is optional whitespace, digits, optional whitespace, then `,` or the end.
    private static func parseContentLength(_ value: String) throws -> Int {
        var value = value
        return try value.withUTF8 { bytes throws -> Int in
            var result: Int?
            var i = 0
            while true {
                while i < bytes.count, isWhitespace(bytes[i]) { i += 1 }
                var length = 0, digits = 0, overflow = false
                while i < bytes.count, isDigit(bytes[i]) {
                    let (times10, o1) = length.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
                    overflow = overflow || o1 || o2
                    length = sum
                    digits += 1
                    i += 1
                }
                while i < bytes.count, isWhitespace(bytes[i]) { i += 1 }
                guard digits > 0, i == bytes.count || bytes[i] == UInt8(ascii: ",") else {
                    throw HTTP1ParseError.bad("invalid Content-Length")
                }
                guard !overflow else { throw HTTP1ParseError.bad("Content-Length too large") }
                if let result, result != length { throw HTTP1ParseError.bad("conflicting Content-Length values") }
                result = length
                if i == bytes.count { return length }
                i += 1  // past the comma
            }
        }
    }

    /// A comma-separated list, elements trimmed and lowercased, empty ones dropped.
    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { element in
            let trimmed = element.utf8.drop(while: isWhitespace).reversed().drop(while: isWhitespace).reversed()
            return trimmed.isEmpty ? nil : String(decoding: trimmed, as: UTF8.self).lowercased()
        }
    }

    /// Reads a chunk-size line (`hex [; extensions] CRLF`); nil if it has not all arrived.
    private static func parseChunkSize(_ buffer: inout ByteBuffer) throws -> Int? {
        let parsed: (size: Int, length: Int)? = try buffer.withUnsafeReadableBytes { raw in
            guard let lf = raw.firstIndex(of: UInt8(ascii: "\n")) else {
                if raw.count > Self.maxChunkSizeLine { throw HTTP1ParseError.bad("chunk size line too long") }
                return nil
            }
            guard lf > 0, raw[lf - 1] == UInt8(ascii: "\r") else { throw HTTP1ParseError.bad("bare LF in chunk size line") }
            guard lf <= Self.maxChunkSizeLine else { throw HTTP1ParseError.bad("chunk size line too long") }
            var size = 0
            var i = 0
            while i < lf - 1, let digit = hexValue(raw[i]) {
                guard size <= Int.max >> 4 else { throw HTTP1ParseError.bad("chunk size too large") }
                size = size << 4 | digit
                i += 1
            }
            guard i > 0 else { throw HTTP1ParseError.bad("chunk size not hexadecimal") }
            while i < lf - 1, isWhitespace(raw[i]) { i += 1 }
            // Chunk extensions are ignored (RFC 9112 §7.1.1), but must not smuggle a bare CR.
            guard i == lf - 1 || raw[i] == UInt8(ascii: ";") else { throw HTTP1ParseError.bad("chunk size not hexadecimal") }
            guard !raw[i..<(lf - 1)].contains(UInt8(ascii: "\r")) else { throw HTTP1ParseError.bad("bare CR in chunk size line") }
            return (size, lf + 1)
        }
        guard let parsed else { return nil }
        buffer.moveReaderIndex(forwardBy: parsed.length)
        return parsed.size
    }

    // MARK: Bytes

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// field-content bytes (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text.
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "\t") || (b >= 0x20 && b != 0x7F)
    }

    private static func isWhitespace(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

}
