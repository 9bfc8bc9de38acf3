import ProtoWire

/// The lexical layer of `JSONReader`: numbers, keys and strings, with the UTF-8 and escape
/// rules of RFC 8259 (see JSONReader.swift for what is strict and why).
extension JSONReader {
    struct NumberToken {
        var start: Int
        var end: Int
        var isInteger: Bool
    }

    /// Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `pos`.
    mutating func scanNumber() throws(JSONError) -> NumberToken {
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
    mutating func scanKey() throws(JSONError) -> JSONKey {
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
    /// `known`: strings handed out as they are (shared) when the text equals one of them.
    mutating func scanString(preferring known: ProtoInternedStrings? = nil) throws(JSONError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes. UTF-8 is validated in the same pass.
        pos = skipPlainASCII(from: pos)
        while true {
            let c = byte(pos)
            if c == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                if let known, let s = known.string(matching: UnsafeRawBufferPointer(text)) {
                    pos += 1
                    return s
                }
                let s = String(decoding: text, as: UTF8.self)
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

    func controlOrEnd() -> JSONError {
        pos >= bytes.count
            ? error("unterminated string")
            : error("control character in string (escape it as \\u00XX)")
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and advances past it.
    mutating func scanUTF8Sequence() throws(JSONError) {
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

    mutating func scanEscape(into buffer: inout [UInt8]) throws(JSONError) {
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

    mutating func hex4(at escStart: Int) throws(JSONError) -> UInt32 {
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
