import MetricsCore

/// Writes compact JSON into one growing byte array. The message encoders call it in document
/// order; `object`/`array` keep track of where a comma is needed.
///
/// Formats (docs/api.md): integers as JSON numbers; doubles in their shortest form that reads
/// back as the same Double, without a trailing `.0` (`3`, `12.5`, `1e+16`); a non-finite
/// double (never produced by the encoders) becomes `null` rather than invalid JSON. Strings
/// escape `"` and `\` as `\"` `\\` and every control character below U+0020 as `\u00XX`;
/// everything else, including non-ASCII UTF-8, is passed through.
struct JSONWriter {
    private(set) var bytes: [UInt8]
    private var first = true

    init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let saved = first
        first = true
        body(&self)
        first = saved
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "["))
        let saved = first
        first = true
        body(&self)
        first = saved
        bytes.append(UInt8(ascii: "]"))
    }

    /// Starts an object member; `name` is a field name of ours and needs no escaping.
    mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A member holding a nested message, written only when present (absent means omitted).
    mutating func field<Value: JSONWritable>(_ name: StaticString, _ value: Value?) {
        guard let value else { return }
        key(name)
        value.write(to: &self)
    }

    /// A string member, left out when empty (protobuf's default, so both forms agree).
    mutating func field(_ name: StaticString, nonEmpty value: String) {
        guard !value.isEmpty else { return }
        key(name)
        string(value)
    }

    /// A string-array member, left out when empty.
    mutating func field(_ name: StaticString, nonEmpty values: [String]) {
        guard !values.isEmpty else { return }
        key(name)
        stringArray(values)
    }

    /// Starts an object member whose name is one of ours (metric names): no escaping needed.
    mutating func dynamicKey(_ name: String) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Starts an array element.
    mutating func element() {
        separator()
    }

    @inline(__always)
    private mutating func separator() {
        if first {
            first = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    // MARK: Scalars

    mutating func null() {
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    mutating func bool(_ value: Bool) {
        if value {
            bytes.append(contentsOf: [UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")])
        } else {
            bytes.append(contentsOf: [
                UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "e"),
            ])
        }
    }

    mutating func int(_ value: Int64) {
        DecimalText.withDigits(value) { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int32) {
        int(Int64(value))
    }

    mutating func double(_ value: Double) {
        guard value.isFinite else {
            null()
            return
        }
        if value.magnitude < 9_007_199_254_740_992 && Rounding.isIntegral(value) {
            int(Int64(value))
            return
        }
        // Answers round to thousandths: such a value is written from its integer count of
        // thousandths. Below 10^9 a double's spacing is under 2^-20, far finer than 0.001, so
        // no shorter decimal reads back as the same double and this is the text `description`
        // gives, without the general shortest-digits search and its string. (Near 2^53/1000
        // the spacing passes 0.001 and `description` finds shorter text: those go below.)
        if value.magnitude < 1_000_000_000 {
            let thousandths = (value * 1000).rounded()
            if Double(Int64(thousandths)) / 1000 == value {
                let k = Int64(thousandths)
                if k < 0 { bytes.append(UInt8(ascii: "-")) }
                int(Int64(k.magnitude / 1000))
                // Not integral (that case was written above), so the fraction is not 0.
                var fraction = k.magnitude % 1000
                var width = 3
                while fraction != 0 && fraction % 10 == 0 {
                    fraction /= 10
                    width -= 1
                }
                bytes.append(UInt8(ascii: "."))
                var bound: UInt64 = 10
                for _ in 1..<width {
                    if fraction < bound { bytes.append(UInt8(ascii: "0")) }  // leading zeros: .05, .005
                    bound *= 10
                }
                int(Int64(fraction))
                return
            }
        }
        // Swift's description is the shortest text that reads back as the same Double and is
        // valid JSON for finite values ("0.1", "1e-05", "1.5e+300").
        bytes.append(contentsOf: value.description.utf8)
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            let n = utf8.count
            var runStart = 0
            var i = 0
            while i < n {
                // Eight bytes at a time while none of them needs escaping (the usual case: ids,
                // names, links): one load and a few bit operations instead of eight branches.
                if i + 8 <= n && !Self.wordNeedsEscape(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i += 8
                    continue
                }
                let c = base[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else {
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart))
                bytes.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(c)
                default:
                    let hex = Self.hexDigits
                    bytes.append(contentsOf: [
                        UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(c >> 4)], hex[Int(c & 0xF)],
                    ])
                }
                i += 1
                runStart = i
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n - runStart))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// True when one of the eight bytes is below 0x20, a quote or a backslash: the classic "has
    /// a byte less than n" and "has a zero byte" bit tricks, exact as yes/no answers. Only a "no"
    /// skips bytes; a "yes" just sends the scan to the byte-by-byte check.
    @inline(__always)
    static func wordNeedsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let control = (w &- 0x2020_2020_2020_2020) & ~w & highs != 0
        return control || hasZeroByte(w ^ (ones &* 0x22)) || hasZeroByte(w ^ (ones &* 0x5C))
    }

    mutating func stringArray(_ values: [String]) {
        array { w in
            for v in values {
                w.element()
                w.string(v)
            }
        }
    }
}

/// A message that writes itself as one JSON value.
protocol JSONWritable {
    func write(to w: inout JSONWriter)
}
