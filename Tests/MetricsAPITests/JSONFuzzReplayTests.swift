import Foundation
import MetricsAPI
import Testing

/// Replays the JSON fuzzer's seed corpus and any saved crashing inputs (Fuzz/JSON) through
/// every JSON decoder with the fuzz target's rule: decode or throw; whatever decodes
/// re-encodes to JSON that decodes to the same value.
@Suite struct JSONFuzzReplayTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/JSON")

    static func inputs(_ folder: String) -> [String] {
        let path = directory.appendingPathComponent(folder).path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { folder + "/" + $0 }
    }

    static let all = inputs("crashes") + inputs("corpus")

    @Test func theSeedCorpusIsThere() {
        #expect(Self.inputs("corpus").count >= 5)
    }

    @Test(arguments: all)
    func savedInputsDecodeOrThrowAndRoundTrip(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        if let m = try? GetMetricsRequest(jsonBody: bytes) {
            #expect(try GetMetricsRequest(jsonBody: m.jsonBody()) == m, "\(name)")
            _ = try? m.validated(now: 1_700_000_000_000, front: .rest)
        }
        if let m = try? PublishEventsRequest(jsonBody: bytes) {
            #expect(try PublishEventsRequest(jsonBody: m.jsonBody()) == m, "\(name)")
            for e in m.events { _ = try? e.coreEvent() }
        }
        if let m = try? GetMetricsResponse(jsonBytes: bytes) {
            #expect(try GetMetricsResponse(jsonBytes: m.jsonBytes()) == m, "\(name)")
        }
        if let m = try? PublishEventsResponse(jsonBytes: bytes) {
            #expect(try PublishEventsResponse(jsonBytes: m.jsonBytes()) == m, "\(name)")
        }
        if let m = try? APIError(jsonBody: bytes) {
            #expect(try APIError(jsonBody: m.jsonBody()) == m, "\(name)")
        }
    }
}
