/// A one-pass pull reader over the bytes of one RFC 8259 document. The message decoders walk
/// the document with it and fill their structs directly; there is no intermediate tree.
///
/// Strictness (docs/api.md): invalid UTF-8, lone surrogates (also as `\uD800` escapes), raw
/// control characters in strings, leading zeros, trailing garbage and nesting deeper than
/// `maxDepth` are errors. Integer fields take a JSON number without fraction or exponent, or
/// a string of such digits (protobuf's JSON mapping writes int64 as strings); `42.0` is not an
/// integer here. The message decoders skip unknown fields (after checking their syntax), treat
/// `null` as "absent", and let the last of duplicate keys win. The reader is only valid inside
/// the closure given to `read`.
struct JSONReader {
    static let maxDepth = 64

    /// Where the reader is, for error messages. A key is kept as the offset of its opening
    /// quote and decoded only when an error needs it, so the happy path does no refcounting.
    /// 8 bytes each, so the whole stack (`maxDepth + 1` entries) fits the 1 KiB that
    /// `withUnsafeTemporaryAllocation` keeps on the stack (with `Int` payloads it did not, and
    /// every document paid a heap allocation). Offsets and indexes past 4 Gi (no request can
    /// be that large) are recorded as `beyond`.
    enum PathComponent {
        case key(at: UInt32)
        case index(UInt32)
        case beyond

        static func key(_ at: Int) -> PathComponent { UInt32(exactly: at).map { .key(at: $0) } ?? .beyond }
        static func index(_ i: Int) -> PathComponent { UInt32(exactly: i).map { .index($0) } ?? .beyond }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    private var depth = 0
    /// A stack on the caller's stack: one entry per open container, so `maxDepth` bounds it.
    private let path: UnsafeMutableBufferPointer<PathComponent>
    private var pathCount = 0

    private init(_ raw: UnsafeRawBufferPointer, path: UnsafeMutableBufferPointer<PathComponent>) {
        // Typed access lets String(decoding:) take its contiguous fast path.
        self.bytes = raw.assumingMemoryBound(to: UInt8.self)
        self.path = path
    }

    /// A reader without a path, for re-reading a key when an error message needs it.
    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.path = UnsafeMutableBufferPointer(start: nil, count: 0)
    }

    /// Reads exactly one JSON value (with surrounding whitespace) with `body`.
    static func read<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(JSONError) -> T {
        let result: Result<T, JSONError> = withUnsafeTemporaryAllocation(
            of: PathComponent.self, capacity: maxDepth + 1
        ) { path in
            var r = JSONReader(bytes, path: path)
            do throws(JSONError) {
                r.skipWhitespace()
                let value = try body(&r)
                r.skipWhitespace()
                if r.pos < r.bytes.count {
                    throw r.error("unexpected data after the JSON value")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func read<T>(
        _ bytes: [UInt8], _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(JSONError) -> T {
        let result: Result<T, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try read(raw, body)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    @inline(__always)
    private mutating func pushPath(_ c: PathComponent) {
        if pathCount < path.count { path[pathCount] = c }
        pathCount += 1
    }

    @inline(__always)
    private mutating func popPath() {
        pathCount -= 1
    }

    // MARK: Errors

    func pathString() -> String {
        var s = ""
        for c in path.prefix(pathCount) {
            switch c {
            case .key(let at):
                if !s.isEmpty { s += "." }
                var r = JSONReader(bytes: bytes)
                r.pos = Int(at)
                s += (try? r.scanString()) ?? "?"
            case .index(let i):
                s += "[\(i)]"
            case .beyond:
                s += s.isEmpty ? "?" : ".?"
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
    func skipPlainASCII(from start: Int) -> Int {
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
    func byte(_ i: Int) -> UInt8 {
        i < bytes.count ? bytes[i] : 0
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
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
            pushPath(.key(keyStart))
            try field(&self, key)
            popPath()
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
            pushPath(.index(index))
            try element(&self, index)
            popPath()
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
}
