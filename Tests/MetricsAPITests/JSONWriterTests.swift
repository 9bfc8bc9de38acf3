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

    @Test func everyWrittenStringReadsBackUnchanged() throws {
        var all = ""
        for v in 0..<0x800 { all.unicodeScalars.append(Unicode.Scalar(UInt32(v))!) }
        all += "\u{FFFF}\u{10000}\u{10FFFF}"
        let doc = written { $0.string(all) }
        #expect(try readJSONString(doc) == all)
    }
}
