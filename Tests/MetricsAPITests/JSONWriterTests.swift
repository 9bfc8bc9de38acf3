import MetricsCore
import Testing

@testable import MetricsAPI

func written(_ body: (inout JSONWriter) -> Void) -> String {
    var w = JSONWriter()
    body(&w)
    return String(decoding: w.bytes, as: UTF8.self)
}

@Suite struct JSONWriterTests {
    @Test(arguments: [
        ("plain", "\"plain\""),
        ("", "\"\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("back\\slash", "\"back\\\\slash\""),
        ("line\nbreak\ttab\r", "\"line\\u000abreak\\u0009tab\\u000d\""),
        ("\u{0}\u{1}\u{1F}", "\"\\u0000\\u0001\\u001f\""),
        ("slash / stays", "\"slash / stays\""),
        ("del \u{7F} stays", "\"del \u{7F} stays\""),
        ("caf\u{e9} \u{4e2d} \u{1F600}", "\"caf\u{e9} \u{4e2d} \u{1F600}\""),
    ])
    func escapesQuotesBackslashesAndControlCharacters(_ value: String, _ expected: String) {
        #expect(written { $0.string(value) } == expected)
    }

    @Test(arguments: [
        (Int64(0), "0"), (42, "42"), (-7, "-7"), (Int64.max, "9223372036854775807"),
        (Int64.min, "-9223372036854775808"), (1_000_000, "1000000"),
    ])
    func writesIntegersAsJSONNumbers(_ value: Int64, _ expected: String) {
        #expect(written { $0.int(value) } == expected)
    }

    @Test(arguments: [
        (3.0, "3"), (12.5, "12.5"), (0.125, "0.125"), (-0.5, "-0.5"), (0.0, "0"), (-0.0, "0"),
        (33.333, "33.333"), (0.1, "0.1"), (1e16, "1e+16"), (1.5e300, "1.5e+300"), (1e-5, "1e-05"),
        (123456.789, "123456.789"), (-2.0, "-2"),
    ])
    func writesDoublesInTheirShortestCleanForm(_ value: Double, _ expected: String) {
        #expect(written { $0.double(value) } == expected)
    }

    /// Values with at most three decimals are written from their count of thousandths; the
    /// text must be exactly `description`'s, for small, large and negative values alike, and
    /// any other double still goes through `description`.
    @Test func thousandthsAreWrittenAsDescriptionWritesThem() {
        var rng = SplitMix64(seed: 0x7468_6F75)
        for i in 0..<200_000 {
            let scale = [1_000, 100_000, 10_000_000, 1_000_000_000, 1_000_000_000_000, 9_007_199_254_740_000][i % 6]
            let k = Int64(rng.next() % UInt64(scale)) * (rng.next() % 2 == 0 ? 1 : -1)
            let value = Double(k) / 1000
            let expected = Rounding.isIntegral(value) ? String(Int64(value)) : value.description
            #expect(written { $0.double(value) } == expected, "\(k)")
            let other = Double(bitPattern: rng.next())
            guard other.isFinite, !Rounding.isIntegral(other) || other.magnitude >= 9_007_199_254_740_992 else { continue }
            #expect(written { $0.double(other) } == other.description)
        }
        for (value, text) in [(0.001, "0.001"), (-0.001, "-0.001"), (0.05, "0.05"), (-0.5, "-0.5"), (10.01, "10.01"),
                              (999_999_999.999, "999999999.999"), (8_960_005_700_146.19, "8960005700146.19"), (1.1, "1.1"), (0.3, "0.3")] {
            #expect(written { $0.double(value) } == text)
        }
    }

    @Test func nonFiniteDoublesBecomeNullNotInvalidJSON() {
        #expect(written { $0.double(.nan) } == "null")
        #expect(written { $0.double(.infinity) } == "null")
    }

    @Test func separatesMembersAndElementsWithCommas() {
        let text = written { w in
            w.object { w in
                w.key("a")
                w.int(Int64(1))
                w.key("b")
                w.array { w in
                    w.element()
                    w.bool(true)
                    w.element()
                    w.null()
                    w.element()
                    w.object { _ in }
                }
                w.key("c")
                w.stringArray([])
            }
        }
        #expect(text == "{\"a\":1,\"b\":[true,null,{}],\"c\":[]}")
    }

    /// The word-at-a-time scan escapes exactly what the byte-by-byte rule does, wherever the
    /// special bytes fall relative to the 8-byte steps (random strings, seeded).
    @Test func stringEscapingMatchesTheByteRuleAtEveryAlignment() throws {
        var rng = SplitMix64(seed: 7)
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "\u{0}", "\u{1F}", "\u{20}", "\u{7F}", "é", "€", "😀", "/", "\u{5C}", "\u{22}", "\n"]
        func reference(_ s: String) -> String {
            var out = "\""
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case 0..<0x20: out += "\\u00" + String(b, radix: 16).leftPad(2)
                default: out.unicodeScalars.append(Unicode.Scalar(b))
                }
            }
            return out + "\""
        }
        for _ in 0..<500 {
            var s = ""
            for _ in 0..<Int(rng.next() % 40) { s.unicodeScalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            // The reference appends bytes as scalars, so compare on bytes of ASCII-only strings
            // and on round trips otherwise.
            let w = written { $0.string(s) }
            if s.utf8.allSatisfy({ $0 < 0x80 }) {
                #expect(w == reference(s), "\(Array(s.utf8))")
            }
            #expect(try JSONReader.read(Array(w.utf8)) { r throws(JSONError) in try r.readString() } == s)
        }
    }

    @Test func everyWrittenStringReadsBackUnchanged() throws {
        var all = ""
        for v in 0..<0x800 { all.unicodeScalars.append(Unicode.Scalar(UInt32(v))!) }
        all += "\u{FFFF}\u{10000}\u{10FFFF}"
        let doc = written { $0.string(all) }
        #expect(try readJSONString(doc) == all)
    }
}

private extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
