import ProtoWire

/// Typed values for the message decoders: strings, booleans, integers (numbers or decimal
/// strings, see JSONReader.swift) and finite doubles.
extension JSONReader {
    mutating func readString(preferring known: ProtoInternedStrings? = nil) throws(JSONError) -> String {
        guard byte(pos) == UInt8(ascii: "\"") else { throw typeError(expected: "a string") }
        let s = try scanString(preferring: known)
        skipWhitespace()
        return s
    }

    /// A string, or nil for `null`.
    mutating func readStringOrNull(preferring known: ProtoInternedStrings? = nil) throws(JSONError) -> String? {
        if readNull() { return nil }
        return try readString(preferring: known)
    }

    /// An array of strings; `null` is an empty array, a `null` element is an error.
    mutating func readStringArray(preferring known: ProtoInternedStrings? = nil) throws(JSONError) -> [String] {
        var out: [String] = []
        try readArray { (r: inout JSONReader, i: Int) throws(JSONError) in
            // Lists in requests are short: one allocation instead of growing 1, 2, 4.
            if i == 0 { out.reserveCapacity(4) }
            out.append(try r.readString(preferring: known))
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
            guard let v = JSONReader.parseIntegerText(s) else {
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
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
            guard let v = Double(text) else { throw error("invalid number", at: start) }
            value = v
        }
        guard value.isFinite else { throw error("number out of range", at: start) }
        skipWhitespace()
        return value
    }

    /// The value of a number token without exponent and with at most 15 digits (every metric
    /// value a response carries: doubles are rounded to thousandths), or nil for the general
    /// parser. The digits form an integer below 2^53 and 10^k (k <= 15) is a Double exactly, so
    /// the one division rounds correctly: the same Double as `Double(text)`, without the copy
    /// of the text into a String and the strtod call.
    @inline(__always)
    private func exactDecimal(_ token: NumberToken) -> Double? {
        var i = token.start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        while i < token.end {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: ".") {
                fractionDigits = token.end - i
                continue
            }
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }  // exponent
            mantissa = mantissa &* 10 &+ Int64(c &- UInt8(ascii: "0"))
            digits += 1
        }
        guard digits <= 15 else { return nil }
        let magnitude = fractionDigits == 0 ? Double(mantissa) : Double(mantissa) / JSONReader.powerOfTen(fractionDigits)
        return negative ? -magnitude : magnitude
    }

    /// 10^k for 1 <= k <= 15, each exact in a Double.
    @inline(__always)
    private static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        default: 1e15
        }
    }

    /// Parses `-?(0|[1-9][0-9]*)` into an Int64; nil when malformed or out of range.
    static func parseIntegerText(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parseIntegerText($0) }  // in place: no byte array per number
    }

    static func parseIntegerText(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
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

}
