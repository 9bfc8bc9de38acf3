import Foundation
import MetricsAPI
import ProtoWire
import Testing

/// Replays the fuzzer's saved inputs (Fuzz/crashes) and seed corpus (Fuzz/corpus) through
/// every decoder, with the same rule the fuzz target enforces: decode or throw; whatever
/// decodes re-encodes to its computed size and to a stable canonical form.
@Suite("Fuzz inputs replayed")
struct ProtoFuzzReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ folder: String) -> [String] {
        let path = fuzzDirectory.appendingPathComponent(folder).path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { folder + "/" + $0 }
    }

    static let all = inputs("crashes") + inputs("corpus")

    private func check<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8], _ name: String) {
        guard let message = try? M(protobufBytes: bytes) else { return }
        let encoded = message.protobufBytes()
        #expect(encoded.count == message.protobufSize, "\(name) as \(M.self)")
        let again = try? M(protobufBytes: encoded)
        #expect(again?.protobufBytes() == encoded, "\(name) as \(M.self)")
    }

    @Test("the seed corpus is there")
    func corpusPresent() {
        #expect(Self.inputs("corpus").count >= 20)
    }

    @Test("saved inputs decode or throw, and re-encode stably", arguments: all)
    func replay(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.fuzzDirectory.appendingPathComponent(name)))
        check(GetMetricsRequest.self, bytes, name)
        check(PublishEventsRequest.self, bytes, name)
        check(GetMetricsResponse.self, bytes, name)
        check(PublishEventsResponse.self, bytes, name)
    }
}
