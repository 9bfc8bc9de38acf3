/// A JSON syntax or type error: what went wrong, where in the document (path) and at which
/// byte offset (0-based). `description` is the message clients see in a 400.
struct JSONError: Error, Sendable, Equatable {
    var path: String
    var message: String
    var offset: Int

    var description: String {
        path.isEmpty ? "\(message) at byte \(offset)" : "\(path): \(message) at byte \(offset)"
    }
}

/// A one-pass pull reader over the bytes of one RFC 8259 document. The message decoders walk
/// the document with it and fill their structs directly; there is no intermediate tree.
///
/// Strictness (docs/api.md): invalid UTF-8, lone surrogates (also as `\uD800` escapes), raw
/// control characters in strings, leading zeros, trailing garbage and nesting deeper than
/// `maxDepth` are errors. Integer fields take a JSON number without fraction or exponent, or
/// a string of such digits (protobuf's JSON mapping writes int64 as strings); `42.0` is not an
/// integer here. The reader is only valid inside the closure given to `read`.
struct JSONReader {
    static let maxDepth = 64

    /// Where the reader is, for error messages. A key is kept as the offset of its opening
    /// quote and decoded only when an error needs it, so the happy path does no refcounting.
    enum PathComponent {
        case key(at: Int)
        case index(Int)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var pos = 0
    private var depth = 0
    private var path: [PathComponent] = []

    private init(_ raw: UnsafeRawBufferPointer) {
        // Typed access lets String(decoding:) take its contiguous fast path.
        self.bytes = raw.assumingMemoryBound(to: UInt8.self)
        path.reserveCapacity(8)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads exactly one JSON value (with surrounding whitespace) with `body`.
    static func read<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(JSONError) -> T {
        var r = JSONReader(bytes)
        r.skipWhitespace()
        let value = try body(&r)
        r.skipWhitespace()
        if r.pos < r.bytes.count {
            throw r.error("unexpected data after the JSON value")
        }
        return value
    }

    static func read<T>(
        _ bytes: [UInt8], _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(JSONError) -> T {
        let result: Result<T, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try read(raw, body)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    // MARK: Errors

    func pathString() -> String {
        var s = ""
        for c in path {
            switch c {
            case .key(let at):
                if !s.isEmpty { s += "." }
                var r = JSONReader(bytes: bytes)
                r.pos = at
                s += (try? r.scanString()) ?? "?"
            case .index(let i):
                s += "[\(i)]"
            }
        }
        return s
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONError {
        JSONError(path: pathString(), message: message, offset: offset ?? pos)
    }

    /// An error about the value that starts at the current position, e.g. a wrong type.
    func typeError(expected: String) -> JSONError {
        error("expected \(expected), found \(foundDescription())")
    }

    private func foundDescription() -> String {
        switch byte(pos) {
        case UInt8(ascii: "\""): return "string"
        case UInt8(ascii: "{"): return "object"
        case UInt8(ascii: "["): return "array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "number"
        default: return pos >= bytes.count ? "end of input" : "unexpected character"
        }
    }

    // MARK: Bytes

    /// Skips 8 bytes at a time while none of them is `"`, `\\`, a control character or
    /// non-ASCII (SWAR: the usual "has a zero byte" trick on XORed words).
    @inline(__always)
    private func skipPlainASCII(from start: Int) -> Int {
        var i = start
        guard let base = bytes.baseAddress else { return i }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= bytes.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let q = w ^ (ones &* 0x22)
            let b = w ^ (ones &* 0x5C)
            let flagged = ((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w) | w
            if flagged & highs != 0 { break }
            i += 8
        }
        return i
    }

    /// The byte at `i`, or 0 past the end (0 is never valid where the callers look, so it
    /// needs no separate end check on the fast paths).
    @inline(__always)
    private func byte(_ i: Int) -> UInt8 {
        i < bytes.count ? bytes[i] : 0
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = pos
        let n = literal.utf8CodeUnitCount
        let p = literal.utf8Start
        for i in 0..<n where byte(start + i) != p[i] {
            throw error("invalid literal", at: start)
        }
        pos += n
    }

    // MARK: Structure

    /// Consumes `null` if it is next (a field set to null means absent/default).
    mutating func readNull() -> Bool {
        if byte(pos) == UInt8(ascii: "n") && byte(pos + 1) == UInt8(ascii: "u")
            && byte(pos + 2) == UInt8(ascii: "l") && byte(pos + 3) == UInt8(ascii: "l")
        {
            pos += 4
            skipWhitespace()
            return true
        }
        return false
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        if depth > JSONReader.maxDepth {
            throw error("nesting deeper than \(JSONReader.maxDepth) levels")
        }
    }

    /// Reads an object, calling `field` for each key with the reader positioned at its value;
    /// `field` must consume the value (or call `skipValue`). Duplicate keys: the last wins.
    mutating func readObject(
        _ field: (inout JSONReader, JSONKey) throws(JSONError) -> Void
    ) throws(JSONError) {
        guard byte(pos) == UInt8(ascii: "{") else { throw typeError(expected: "an object") }
        try enter()
        pos += 1
        skipWhitespace()
        if byte(pos) == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            skipWhitespace()
            return
        }
        while true {
            guard byte(pos) == UInt8(ascii: "\"") else {
                throw error(pos >= bytes.count ? "unexpected end of input, expected a key" : "expected a key")
            }
            let keyStart = pos
            let key = try scanKey()
            skipWhitespace()
            guard byte(pos) == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            skipWhitespace()
            path.append(.key(at: keyStart))
            try field(&self, key)
            path.removeLast()
            skipWhitespace()
            switch byte(pos) {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                pos += 1
                depth -= 1
                skipWhitespace()
                return
            default:
                throw error(pos >= bytes.count ? "unexpected end of input in object" : "expected ',' or '}'")
            }
        }
    }

    /// Reads an array (or `null`, meaning empty), calling `element` once per element.
    mutating func readArray(
        _ element: (inout JSONReader, Int) throws(JSONError) -> Void
    ) throws(JSONError) {
        if readNull() { return }
        guard byte(pos) == UInt8(ascii: "[") else { throw typeError(expected: "an array") }
        try enter()
        pos += 1
        skipWhitespace()
        if byte(pos) == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            skipWhitespace()
            return
        }
        var index = 0
        while true {
            path.append(.index(index))
            try element(&self, index)
            path.removeLast()
            index += 1
            skipWhitespace()
            switch byte(pos) {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                pos += 1
                depth -= 1
                skipWhitespace()
                return
            default:
                throw error(pos >= bytes.count ? "unexpected end of input in array" : "expected ',' or ']'")
            }
        }
    }

    /// Validates and skips any value (used for unknown fields, which are ignored).
    mutating func skipValue() throws(JSONError) {
        switch byte(pos) {
        case UInt8(ascii: "{"):
            try readObject { (r: inout JSONReader, _: JSONKey) throws(JSONError) in try r.skipValue() }
        case UInt8(ascii: "["):
            try readArray { (r: inout JSONReader, _: Int) throws(JSONError) in try r.skipValue() }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
        case UInt8(ascii: "f"):
            try expectLiteral("false")
        case UInt8(ascii: "n"):
            try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            throw error(pos >= bytes.count ? "unexpected end of input, expected a value" : "expected a value")
        }
        skipWhitespace()
    }

    // MARK: Scalars

    mutating func readString() throws(JSONError) -> String {
        guard byte(pos) == UInt8(ascii: "\"") else { throw typeError(expected: "a string") }
        let s = try scanString()
        skipWhitespace()
        return s
    }

    /// A string, or nil for `null`.
    mutating func readStringOrNull() throws(JSONError) -> String? {
        if readNull() { return nil }
        return try readString()
    }

    /// An array of strings; `null` is an empty array, a `null` element is an error.
    mutating func readStringArray() throws(JSONError) -> [String] {
        var out: [String] = []
        try readArray { (r: inout JSONReader, i: Int) throws(JSONError) in
            // Lists in requests are short: one allocation instead of growing 1, 2, 4.
            if i == 0 { out.reserveCapacity(4) }
            out.append(try r.readString())
        }
        return out
    }

    mutating func readBool() throws(JSONError) -> Bool {
        switch byte(pos) {
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            skipWhitespace()
            return true
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            skipWhitespace()
            return false
        default:
            throw typeError(expected: "a boolean")
        }
    }

    /// An integer: a JSON number without fraction or exponent, or a string holding one.
    mutating func readInt64() throws(JSONError) -> Int64 {
        let start = pos
        let token: NumberToken
        switch byte(pos) {
        case UInt8(ascii: "\""):
            let s = try scanString()
            guard let v = JSONReader.parseIntegerText(Array(s.utf8)) else {
                throw error("expected an integer, found string", at: start)
            }
            skipWhitespace()
            return v
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            token = try scanNumber()
        default:
            throw typeError(expected: "an integer")
        }
        guard token.isInteger else { throw error("expected an integer, found a fraction or exponent", at: start) }
        var value: Int64 = 0
        var i = token.start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        while i < token.end {
            let d = Int64(bytes[i] &- UInt8(ascii: "0"))
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 { throw error("integer out of range", at: start) }
            value = a
            i += 1
        }
        skipWhitespace()
        return value
    }

    mutating func readInt32() throws(JSONError) -> Int32 {
        let start = pos
        let v = try readInt64()
        guard let small = Int32(exactly: v) else { throw error("integer out of range", at: start) }
        return small
    }

    /// A finite JSON number.
    mutating func readDouble() throws(JSONError) -> Double {
        let start = pos
        switch byte(pos) {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): break
        default: throw typeError(expected: "a number")
        }
        let token = try scanNumber()
        let value: Double
        if token.isInteger && token.end - token.start <= 15 {
            // Fast path: up to 15 digits are exact in a Double.
            var v: Int64 = 0
            var i = token.start
            let negative = bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            while i < token.end {
                v = v * 10 + Int64(bytes[i] &- UInt8(ascii: "0"))
                i += 1
            }
            value = negative ? (v == 0 ? -0.0 : -Double(v)) : Double(v)
        } else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
            guard let v = Double(text) else { throw error("invalid number", at: start) }
            value = v
        }
        guard value.isFinite else { throw error("number out of range", at: start) }
        skipWhitespace()
        return value
    }

    /// Parses `-?(0|[1-9][0-9]*)` into an Int64; nil when malformed or out of range.
    static func parseIntegerText(_ text: [UInt8]) -> Int64? {
        var i = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < text.count else { return nil }
        if text[i] == UInt8(ascii: "0") && text.count > i + 1 { return nil }
        var value: Int64 = 0
        while i < text.count {
            let c = text[i]
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            let d = Int64(c - UInt8(ascii: "0"))
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return value
    }

    // MARK: Lexing

    private struct NumberToken {
        var start: Int
        var end: Int
        var isInteger: Bool
    }

    /// Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `pos`.
    private mutating func scanNumber() throws(JSONError) -> NumberToken {
        let start = pos
        var i = pos
        var isInteger = true
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        if byte(i) == UInt8(ascii: "-") { i += 1 }
        if byte(i) == UInt8(ascii: "0") {
            i += 1
            if isDigit(byte(i)) { throw error("leading zeros are not allowed", at: start) }
        } else if isDigit(byte(i)) {
            while isDigit(byte(i)) { i += 1 }
        } else {
            throw error("invalid number", at: start)
        }
        if byte(i) == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard isDigit(byte(i)) else { throw error("invalid number: expected a digit after '.'", at: start) }
            while isDigit(byte(i)) { i += 1 }
        }
        if byte(i) == UInt8(ascii: "e") || byte(i) == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i += 1 }
            guard isDigit(byte(i)) else { throw error("invalid number: expected a digit in the exponent", at: start) }
            while isDigit(byte(i)) { i += 1 }
        }
        pos = i
        return NumberToken(start: start, end: i, isInteger: isInteger)
    }

    /// Scans an object key. Keys without escapes (all of ours) stay raw bytes, so matching
    /// them against field names needs no String.
    private mutating func scanKey() throws(JSONError) -> JSONKey {
        let quote = pos
        var i = skipPlainASCII(from: pos + 1)
        while true {
            let c = byte(i)
            if c == UInt8(ascii: "\"") {
                pos = i + 1
                return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[(quote + 1)..<i]), decoded: nil)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            i += 1
        }
        // Escapes, non-ASCII or an error: the full string scanner decides.
        let s = try scanString()
        return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[quote..<quote]), decoded: s)
    }

    /// Scans a string starting at the opening quote at `pos`; leaves `pos` after the closing quote.
    private mutating func scanString() throws(JSONError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes. UTF-8 is validated in the same pass.
        pos = skipPlainASCII(from: pos)
        while true {
            let c = byte(pos)
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw controlOrEnd() }
            if c < 0x80 { pos += 1 } else { try scanUTF8Sequence() }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(pos - start + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while true {
            let c = byte(pos)
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                try scanEscape(into: &buffer)
            } else if c < 0x20 {
                throw controlOrEnd()
            } else if c < 0x80 {
                buffer.append(c)
                pos += 1
            } else {
                let s = pos
                try scanUTF8Sequence()
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[s..<pos]))
            }
        }
    }

    private func controlOrEnd() -> JSONError {
        pos >= bytes.count
            ? error("unterminated string")
            : error("control character in string (escape it as \\u00XX)")
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and advances past it.
    private mutating func scanUTF8Sequence() throws(JSONError) {
        let c0 = byte(pos)
        @inline(__always) func cont(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        let c1 = byte(pos + 1)
        switch c0 {
        case 0xC2...0xDF:
            if cont(c1) { pos += 2; return }
        case 0xE0...0xEF:
            let lo: UInt8 = c0 == 0xE0 ? 0xA0 : 0x80
            let hi: UInt8 = c0 == 0xED ? 0x9F : 0xBF
            if c1 >= lo && c1 <= hi && cont(byte(pos + 2)) { pos += 3; return }
        case 0xF0...0xF4:
            let lo: UInt8 = c0 == 0xF0 ? 0x90 : 0x80
            let hi: UInt8 = c0 == 0xF4 ? 0x8F : 0xBF
            if c1 >= lo && c1 <= hi && cont(byte(pos + 2)) && cont(byte(pos + 3)) { pos += 4; return }
        default:
            break
        }
        throw error("invalid UTF-8 in string")
    }

    private mutating func scanEscape(into buffer: inout [UInt8]) throws(JSONError) {
        let escStart = pos
        let e = byte(pos + 1)
        pos += 2
        switch e {
        case UInt8(ascii: "\""): buffer.append(0x22)
        case UInt8(ascii: "\\"): buffer.append(0x5C)
        case UInt8(ascii: "/"): buffer.append(0x2F)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(at: escStart)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard byte(pos) == UInt8(ascii: "\\") && byte(pos + 1) == UInt8(ascii: "u") else {
                    throw error("lone surrogate in \\u escape", at: escStart)
                }
                pos += 2
                let low = try hex4(at: escStart)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error("lone surrogate in \\u escape", at: escStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error("lone surrogate in \\u escape", at: escStart)
            }
            guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: escStart) }
            UTF8.encode(u) { buffer.append($0) }
        default:
            throw error(escStart + 1 >= bytes.count ? "unterminated string" : "invalid escape in string", at: escStart)
        }
    }

    private mutating func hex4(at escStart: Int) throws(JSONError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = byte(pos)
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape: expected 4 hex digits", at: escStart)
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }
}

/// An object key as the reader found it: the raw bytes between the quotes when the key has no
/// escapes, else the decoded string. Match it with string literal patterns (`case "filters":`).
/// Valid only inside the `JSONReader.read` call that produced it.
struct JSONKey {
    let raw: UnsafeBufferPointer<UInt8>
    let decoded: String?

    var string: String { decoded ?? String(decoding: raw, as: UTF8.self) }

    @inline(__always)
    static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        let n = pattern.utf8CodeUnitCount
        guard n == key.raw.count else { return key.decoded.map { $0 == pattern.description } ?? false }
        guard n > 0, let k = key.raw.baseAddress else { return key.decoded == nil }
        let p = UnsafeRawPointer(pattern.utf8Start)
        let q = UnsafeRawPointer(k)
        var i = 0
        while i + 8 <= n {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < n {
            if p.load(fromByteOffset: i, as: UInt8.self) != q.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }
}
