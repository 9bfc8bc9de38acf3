import Testing

@testable import MetricsAPI

/// Validates a whole document (any JSON value) with the reader.
func validateJSON(_ text: String) throws(JSONError) {
    try validateJSON(Array(text.utf8))
}

func validateJSON(_ bytes: [UInt8]) throws(JSONError) {
    try JSONReader.read(bytes) { (r: inout JSONReader) throws(JSONError) in try r.skipValue() }
}

func readJSONString(_ text: String) throws(JSONError) -> String {
    try JSONReader.read(Array(text.utf8)) { (r: inout JSONReader) throws(JSONError) in try r.readString() }
}

/// The error text a client would see for this document, or nil when it is valid.
func jsonErrorText(_ bytes: [UInt8]) -> String? {
    do {
        try validateJSON(bytes)
        return nil
    } catch {
        return error.description
    }
}

@Suite struct JSONReaderConformanceTests {
    @Test(arguments: [
        "{}", "[]", "0", "-0", "1E5", "-1.25e-3", "1e+2", "true", "false", "null", "\"\"",
        "  {\"a\" : [1, -2.5e+3, true, false, null, \"x\"], \"b\": {}}  ",
        "[[[[]]]]", "{\"\":0}", "\t\r\n[1]\n", "123456789012345678901234567890",
        "\"\\ud83d\\ude00\"", "\"caf\u{e9} \u{4e2d} \u{1F600}\"",
    ])
    func acceptsValidDocuments(_ doc: String) throws {
        try validateJSON(doc)
    }

    @Test(arguments: [
        ("", "unexpected end of input, expected a value at byte 0"),
        ("   ", "unexpected end of input, expected a value at byte 3"),
        ("{\"a\":1,}", "expected a key at byte 7"),
        ("[1,]", "[1]: expected a value at byte 3"),
        ("[1 2]", "expected ',' or ']' at byte 3"),
        ("{\"a\" 1}", "expected ':' after key at byte 5"),
        ("{1:2}", "expected a key at byte 1"),
        ("{\"a\":1", "unexpected end of input in object at byte 6"),
        ("[1", "unexpected end of input in array at byte 2"),
        ("01", "leading zeros are not allowed at byte 0"),
        ("-01", "leading zeros are not allowed at byte 0"),
        ("-", "invalid number at byte 0"),
        ("1.", "invalid number: expected a digit after '.' at byte 0"),
        ("1.e3", "invalid number: expected a digit after '.' at byte 0"),
        ("1e", "invalid number: expected a digit in the exponent at byte 0"),
        ("+1", "expected a value at byte 0"),
        (".5", "expected a value at byte 0"),
        ("NaN", "expected a value at byte 0"),
        ("Infinity", "expected a value at byte 0"),
        ("0x10", "unexpected data after the JSON value at byte 1"),
        ("{\"a\":1} x", "unexpected data after the JSON value at byte 8"),
        ("[] []", "unexpected data after the JSON value at byte 3"),
        ("tru", "invalid literal at byte 0"),
        ("nul", "invalid literal at byte 0"),
        ("\"abc", "unterminated string at byte 4"),
        ("\"ab\\", "unterminated string at byte 3"),
        ("\"\\x\"", "invalid escape in string at byte 1"),
        ("\"\\u12G4\"", "invalid \\u escape: expected 4 hex digits at byte 1"),
        ("\"\\ud800\"", "lone surrogate in \\u escape at byte 1"),
        ("\"\\udc00\"", "lone surrogate in \\u escape at byte 1"),
        ("\"\\ud800\\u0041\"", "lone surrogate in \\u escape at byte 1"),
        ("{\"k\":[\"\\ud800x\"]}", "k[0]: lone surrogate in \\u escape at byte 7"),
        ("'a'", "expected a value at byte 0"),
    ])
    func rejectsInvalidDocumentsSayingWhatAndWhere(_ doc: String, _ expected: String) {
        #expect(jsonErrorText(Array(doc.utf8)) == expected)
    }

    @Test(arguments: [
        ([0x22, 0x61, 0x01, 0x22], "control character in string (escape it as \\u00XX) at byte 2"),
        ([0x22, 0x0A, 0x22], "control character in string (escape it as \\u00XX) at byte 1"),
        ([0x22, 0xC3, 0x28, 0x22], "invalid UTF-8 in string at byte 1"),
        ([0x22, 0xC0, 0x80, 0x22], "invalid UTF-8 in string at byte 1"),  // overlong NUL
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], "invalid UTF-8 in string at byte 1"),  // overlong '/'
        ([0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 in string at byte 1"),  // UTF-8 surrogate
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 in string at byte 1"),  // > U+10FFFF
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], "invalid UTF-8 in string at byte 1"),
        ([0x22, 0x80, 0x22], "invalid UTF-8 in string at byte 1"),  // lone continuation
        ([0x22, 0xE2, 0x82, 0x22], "invalid UTF-8 in string at byte 1"),  // truncated
        ([0x22, 0x5C, 0x6E, 0xFF, 0x22], "invalid UTF-8 in string at byte 3"),  // after an escape
        ([0x5B, 0x00, 0x5D], "[0]: expected a value at byte 1"),
    ] as [([UInt8], String)])
    func rejectsBadBytes(_ bytes: [UInt8], _ expected: String) {
        #expect(jsonErrorText(bytes) == expected)
    }

    @Test func nestingOf64LevelsIsAccepted() throws {
        try validateJSON(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))
        try validateJSON(String(repeating: "{\"a\":", count: 63) + "[]" + String(repeating: "}", count: 63))
    }

    @Test func nestingDeeperThan64LevelsIsRejected() {
        let doc = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let text = jsonErrorText(Array(doc.utf8))
        #expect(text?.hasSuffix("nesting deeper than 64 levels at byte 64") == true)
        // A deep document never overflows the stack: the limit stops recursion first.
        let deep = String(repeating: "[", count: 100_000)
        #expect(jsonErrorText(Array(deep.utf8))?.hasSuffix("nesting deeper than 64 levels at byte 64") == true)
    }

    @Test(arguments: [
        ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\u{8}\u{c}\n\r\t"),
        ("\"\\u0041\\u00e9\\u4E2D\"", "A\u{e9}\u{4e2d}"),
        ("\"\\ud83d\\ude00\"", "\u{1F600}"),
        ("\"\\u0000\"", "\u{0}"),
        ("\"plain caf\u{e9}\"", "plain caf\u{e9}"),
        ("\"x\\ny\u{1F600}z\"", "x\ny\u{1F600}z"),
    ])
    func decodesStringEscapes(_ doc: String, _ expected: String) throws {
        #expect(try readJSONString(doc) == expected)
    }
}

@Suite struct JSONReaderScalarTests {
    func int64(_ doc: String) throws(JSONError) -> Int64 {
        try JSONReader.read(Array(doc.utf8)) { (r: inout JSONReader) throws(JSONError) in try r.readInt64() }
    }

    func double(_ doc: String) throws(JSONError) -> Double {
        try JSONReader.read(Array(doc.utf8)) { (r: inout JSONReader) throws(JSONError) in try r.readDouble() }
    }

    @Test(arguments: [
        ("42", 42), ("-7", -7), ("0", 0), ("-0", 0),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        // protobuf's JSON mapping writes int64 as strings; we accept them on input.
        ("\"123\"", 123), ("\"-5\"", -5), ("\"9223372036854775807\"", Int64.max),
    ] as [(String, Int64)])
    func integersAreNumbersOrDecimalStrings(_ doc: String, _ expected: Int64) throws {
        #expect(try int64(doc) == expected)
    }

    @Test(arguments: [
        ("42.0", "expected an integer, found a fraction or exponent at byte 0"),
        ("4.2e1", "expected an integer, found a fraction or exponent at byte 0"),
        ("1e3", "expected an integer, found a fraction or exponent at byte 0"),
        ("9223372036854775808", "integer out of range at byte 0"),
        ("-9223372036854775809", "integer out of range at byte 0"),
        ("\"12a\"", "expected an integer, found string at byte 0"),
        ("\" 12\"", "expected an integer, found string at byte 0"),
        ("\"012\"", "expected an integer, found string at byte 0"),
        ("\"\"", "expected an integer, found string at byte 0"),
        ("\"9223372036854775808\"", "expected an integer, found string at byte 0"),
        ("true", "expected an integer, found boolean at byte 0"),
        ("null", "expected an integer, found null at byte 0"),
        ("[1]", "expected an integer, found array at byte 0"),
    ])
    func integersAreStrict(_ doc: String, _ expected: String) {
        #expect(throws: JSONError.self) { try int64(doc) }
        do { _ = try int64(doc) } catch { #expect(error.description == expected) }
    }

    @Test(arguments: [
        ("12.5", 12.5), ("-0.001", -0.001), ("3", 3.0), ("1e2", 100.0), ("1E-2", 0.01),
        ("0.1", 0.1), ("123456789012345678", 123456789012345678.0), ("2.2250738585072014e-308", 2.2250738585072014e-308),
    ] as [(String, Double)])
    func doublesReadExactly(_ doc: String, _ expected: Double) throws {
        #expect(try double(doc) == expected)
    }

    /// Short decimals (at most 15 digits, no exponent) are read without strtod: the result must
    /// be the Double the general parser gives, bit for bit, for every length of fraction.
    @Test func shortDecimalsMatchTheGeneralParser() throws {
        var rng = SystemRandomNumberGenerator()
        var docs = ["0.0", "-0.0", "0.000", "-0.001", "999999999999999", "0.999999999999999",
                    "99999999999999.9", "180000.000", "1234567.125", "0.1", "0.2", "0.3"]
        for _ in 0..<5_000 {
            let digits = Int.random(in: 1...15, using: &rng)
            var text = String(UInt64.random(in: 0..<10_000_000_000_000_000, using: &rng) % (1...digits).reduce(UInt64(1)) { p, _ in p * 10 })
            let fraction = Int.random(in: 0..<text.count, using: &rng)
            if fraction > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -fraction)) }
            if text.hasPrefix(".") { text = "0" + text }
            if Bool.random(using: &rng) { text = "-" + text }
            docs.append(text)
        }
        for doc in docs {
            let expected = try #require(Double(doc))
            #expect(try double(doc).bitPattern == expected.bitPattern, "\(doc)")
        }
    }

    @Test func doublesOutOfRangeAreRejected() {
        do {
            _ = try double("1e400")
            Issue.record("1e400 was accepted")
        } catch {
            #expect(error.description == "number out of range at byte 0")
        }
        do {
            _ = try double("\"1.5\"")
            Issue.record("a string was accepted as a double")
        } catch {
            #expect(error.description == "expected a number, found string at byte 0")
        }
    }
}

/// The reader skips plain ASCII 8 bytes at a time; these pin every position of a special byte
/// relative to those 8-byte words.
@Suite struct JSONReaderWordScanTests {
    @Test(arguments: ["\"", "\\", "\n", "\u{1F}", "\u{e9}", "\u{4e2d}", "\u{1F600}", "\u{7F}"])
    func specialCharactersAtEveryOffsetReadBack(_ special: String) throws {
        for length in 0..<40 {
            for at in 0...length {
                let value = String(repeating: "a", count: at) + special + String(repeating: "b", count: length - at)
                let doc = written { $0.string(value) }
                #expect(try readJSONString(doc) == value)
            }
        }
    }

    @Test func rawControlCharacterIsFoundAtItsExactOffset() {
        for length in 1..<40 {
            for at in 0..<length {
                var bytes = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "x"), count: length) + [UInt8(ascii: "\"")]
                bytes[1 + at] = 0x01
                #expect(jsonErrorText(bytes) == "control character in string (escape it as \\u00XX) at byte \(1 + at)")
            }
        }
    }

    @Test func invalidUTF8IsFoundAtItsExactOffsetInLongStrings() {
        for at in 0..<30 {
            var bytes = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "x"), count: 30) + [UInt8(ascii: "\"")]
            bytes[1 + at] = 0xFF
            #expect(jsonErrorText(bytes) == "invalid UTF-8 in string at byte \(1 + at)")
        }
    }

    @Test func escapedKeysMatchTheirFieldAndNonASCIIKeysAreIgnored() throws {
        let req = try GetMetricsRequest(
            jsonBody: "{\"metricsToRetrieve\\u0042yTime\":[\"x\"],\"gr\u{f6}upBy\":\"y\",\"groupBy\":\"skillId\"}".bytes)
        #expect(req.metricsToRetrieveByTime == ["x"])
        #expect(req.groupBy == "skillId")
    }

    @Test func errorPathsShowEscapedKeysDecoded() {
        #expect(
            jsonErrorTextForRequest("{\"filt\\u0065rs\":{\"ti\\u006de\":{\"from\":true}}}")
                == "filters.time.from: expected an integer, found boolean at byte 37")
    }
}

func jsonErrorTextForRequest(_ doc: String) -> String? {
    do {
        _ = try GetMetricsRequest(jsonBody: doc.bytes)
        return nil
    } catch {
        return error.message
    }
}

@Suite struct JSONReaderPathStackTests {
    /// The error path stack must stay small enough for `withUnsafeTemporaryAllocation` to keep
    /// it on the stack (1 KiB); a larger one costs a heap allocation per document.
    @Test func thePathStackFitsOnTheStack() {
        #expect(MemoryLayout<JSONReader.PathComponent>.stride * (JSONReader.maxDepth + 1) <= 1024)
    }

    @Test func offsetsPastFourGiBAreRecordedAsUnknown() {
        guard case .beyond = JSONReader.PathComponent.key(Int(UInt32.max) + 1) else {
            Issue.record("expected .beyond")
            return
        }
        guard case .key(at: 7) = JSONReader.PathComponent.key(7), case .index(3) = JSONReader.PathComponent.index(3) else {
            Issue.record("small offsets and indexes must be kept")
            return
        }
    }
}
