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

    enum PathComponent {
        /// The offset of the key's opening quote: the key is only read again for an error message,
        /// which keeps the path free of string copies and reference counting on every field.
        case key(at: Int)
        case index(Int)
    }

    private let bytes: UnsafeRawBufferPointer
    private(set) var pos = 0
    private var depth = 0
    private var path: [PathComponent] = []
    /// Object keys seen so far that are too long to fit inline in a String (see `scanKey`).
    private var longKeys: [String] = []

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        path.reserveCapacity(8)
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
            case .key(let offset):
                var reader = self
                reader.pos = offset
                if !s.isEmpty { s += "." }
                s += (try? reader.scanString()) ?? ""
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
        _ field: (inout JSONReader, String) throws(JSONError) -> Void
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
            let keyOffset = pos
            let key = try scanKey()
            skipWhitespace()
            guard byte(pos) == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            skipWhitespace()
            path.append(.key(at: keyOffset))
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
            try readObject { (r: inout JSONReader, _: String) throws(JSONError) in try r.skipValue() }
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
        try readArray { (r: inout JSONReader, _: Int) throws(JSONError) in out.append(try r.readString()) }
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
        if let exact = exactDecimal(token) {
            value = exact
        } else {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
            guard let v = Double(text) else { throw error("invalid number", at: start) }
            value = v
        }
        guard value.isFinite else { throw error("number out of range", at: start) }
        skipWhitespace()
        return value
    }

    /// Exact powers of ten: every one up to 10^22 is a Double without rounding.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The value of a number token without exponent and with at most 15 significant digits
    /// (every metric value a response carries), or nil for the general parser. The digits form
    /// an integer below 2^53 and 10^k (k ≤ 22) is exact, so one division is correctly rounded:
    /// the same Double the general parser returns, without its text copy and strtod call.
    private func exactDecimal(_ token: NumberToken) -> Double? {
        var i = token.start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var inFraction = false
        while i < token.end {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: ".") {
                inFraction = true
                continue
            }
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }  // exponent
            mantissa = mantissa &* 10 &+ Int64(c &- UInt8(ascii: "0"))
            digits += 1
            if inFraction { fractionDigits += 1 }
        }
        guard digits <= 15 else { return nil }
        let magnitude = Double(mantissa) / JSONReader.powersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
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

    /// Scans an object key. Keys repeat (the same metric names in every group of a response) and
    /// many are longer than the 15 bytes a String holds inline, so a plain ASCII key seen before
    /// is returned as the earlier String instead of a fresh allocation.
    private mutating func scanKey() throws(JSONError) -> String {
        let start = pos + 1
        var end = start
        while end < bytes.count {
            let c = bytes[end]
            if c == UInt8(ascii: "\"") { break }
            // Escapes, control characters and non-ASCII keys take the general path.
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return try scanString() }
            end += 1
        }
        guard end < bytes.count, end - start > 15 else { return try scanString() }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        for key in longKeys where key.utf8.count == raw.count {
            if key.utf8.withContiguousStorageIfAvailable({ $0.elementsEqual(raw) }) == true {
                pos = end + 1
                return key
            }
        }
        let key = String(decoding: raw, as: UTF8.self)
        // Bounded, so a document of many distinct keys costs no more than without the cache.
        if longKeys.count < 32 { longKeys.append(key) }
        pos = end + 1
        return key
    }

    /// Scans a string starting at the opening quote at `pos`; leaves `pos` after the closing quote.
    private mutating func scanString() throws(JSONError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes. UTF-8 is validated in the same pass.
        while true {
            let c = byte(pos)
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw controlOrEnd() }
            if c < 0x80 { pos += 1 } else { try scanUTF8Sequence() }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(pos - start + 16)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]))
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
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[s..<pos]))
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
