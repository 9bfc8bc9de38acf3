import MetricsAPI
import PropertyBased
import MetricsCore
import Testing

/// No input traps: every prefix and every single-byte corruption of valid documents either
/// decodes or throws an INVALID_ARGUMENT.
@Suite struct JSONRobustnessTests {
    static let documents: [String] = [
        JSONMappingTests.specRequestBody,
        JSONMappingTests.specResponse,
        JSONMappingTests.eventsBody,
        "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\",\"message\":\"m\\u00e9\\ud83d\\ude00\"}}",
        "{\"applied\":2,\"rejected\":1,\"duplicate\":false,\"rejections\":[{\"index\":1,\"reason\":\"x\"}]}",
    ]

    /// Runs every decoder on the bytes; returns how many accepted them.
    static func decodeWithEveryDecoder(_ bytes: [UInt8]) -> Int {
        var accepted = 0
        if (try? GetMetricsRequest(jsonBody: bytes)) != nil { accepted += 1 }
        if (try? GetMetricsResponse(jsonBytes: bytes)) != nil { accepted += 1 }
        if (try? PublishEventsRequest(jsonBody: bytes)) != nil { accepted += 1 }
        if (try? PublishEventsResponse(jsonBytes: bytes)) != nil { accepted += 1 }
        if (try? APIError(jsonBody: bytes)) != nil { accepted += 1 }
        if (try? validateJSON(bytes)) != nil { accepted += 1 }
        return accepted
    }

    @Test(arguments: documents)
    func everyStrictPrefixOfAnObjectIsRejected(_ doc: String) {
        let bytes = doc.bytes
        #expect(Self.decodeWithEveryDecoder(bytes) > 0)
        for n in 0..<bytes.count {
            #expect(Self.decodeWithEveryDecoder(Array(bytes[..<n])) == 0, "prefix of \(n) bytes was accepted")
        }
    }

    @Test(arguments: documents)
    func everySingleByteCorruptionDecodesOrThrows(_ doc: String) {
        let bytes = doc.bytes
        let replacements: [UInt8] = [0x00, 0x09, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x39, 0x3A, 0x5B, 0x5C, 0x5D,
                                     0x65, 0x6E, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]
        for i in bytes.indices {
            for b in replacements {
                var corrupted = bytes
                corrupted[i] = b
                _ = Self.decodeWithEveryDecoder(corrupted)
            }
            var deleted = bytes
            deleted.remove(at: i)
            _ = Self.decodeWithEveryDecoder(deleted)
        }
    }

    @Test func randomCorruptionsWithAnyByteValueDecodeOrThrow() async {
        await propertyCheck(count: 2000, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var bytes = Self.documents.randomElement(using: &rng)!.bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = Self.decodeWithEveryDecoder(bytes)
        }
    }

    @Test func randomBytesDecodeOrThrow() async {
        await propertyCheck(count: 500, input: Gen<UInt8>.value(in: 0...255).array(of: 0...64)) { bytes in
            _ = Self.decodeWithEveryDecoder(bytes)
        }
    }

    @Test func randomSplicesOfValidDocumentsDecodeOrThrow() async {
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let a = Self.documents.randomElement(using: &rng)!.bytes
            let b = Self.documents.randomElement(using: &rng)!.bytes
            let cut = Int.random(in: 0...a.count, using: &rng)
            let from = Int.random(in: 0...b.count, using: &rng)
            _ = Self.decodeWithEveryDecoder(Array(a[..<cut] + b[from...]))
        }
    }

    @Test func errorsAreInvalidArgumentNamingTheField() {
        do {
            _ = try GetMetricsRequest(jsonBody: "{\"filters\":{\"time\":{\"from\":\"abc\"}}}".bytes)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.httpStatus == 400)
            #expect(error.message == "filters.time.from: expected an integer, found string at byte 27")
        }
    }
}
