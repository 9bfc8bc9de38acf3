import MetricsAPI
import PropertyBased
import ProtoWire
import MetricsCore
import Testing

private typealias R = ProtoRandomMessages

/// Decodes and returns the canonical re-encoding, or nil when the input is rejected. Comparing
/// re-encodings (not values) keeps NaN and -0.0 honest.
private func reencoded<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) -> [UInt8]? {
    (try? M(protobufBytes: bytes))?.protobufBytes()
}

/// Positions to probe in an encoding: all of them when short, else both ends and a sample.
private func positions(_ count: Int, using rng: inout SplitMix64) -> [Int] {
    guard count > 300 else { return Array(0..<count) }
    return Array(0..<50) + Array((count - 50)..<count) + (0..<200).map { _ in Int.random(in: 0..<count, using: &rng) }
}

@Suite("Protobuf codec properties")
struct ProtoPropertyTests {
    private func roundTrips<M: ProtoMessage & Equatable>(
        _ make: @escaping @Sendable (inout SplitMix64) -> M, count: Int = 150,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        await propertyCheck(count: count, input: R.gen(make)) { message in
            let bytes = message.protobufBytes()
            #expect(bytes.count == message.protobufSize, sourceLocation: sourceLocation)
            let decoded = try M(protobufBytes: bytes)
            #expect(decoded == message, sourceLocation: sourceLocation)
            #expect(decoded.protobufBytes() == bytes, sourceLocation: sourceLocation)
        }
    }

    @Test("random messages of every type round-trip through the binary codec")
    func everyTypeRoundTrips() async {
        await roundTrips(R.getMetricsRequest)
        await roundTrips(R.filters)
        await roundTrips(R.timeRange)
        await roundTrips(R.getMetricsResponse)
        await roundTrips(R.metadata)
        await roundTrips(R.link)
        await roundTrips(R.groupBySection)
        await roundTrips(R.group)
        await roundTrips(R.allSection)
        await roundTrips(R.metrics)
        await roundTrips(R.event)
        await roundTrips(R.publishEventsRequest)
        await roundTrips(R.rejection)
        await roundTrips(R.publishEventsResponse)
    }

    private func prefixesAndCorruptions<M: ProtoMessage>(_ make: @escaping @Sendable (inout SplitMix64) -> M) async {
        await propertyCheck(count: 25, input: R.gen(make), Gen.uint64()) { message, seed in
            var rng = SplitMix64(seed: seed)
            let bytes = message.protobufBytes()
            for cut in positions(bytes.count, using: &rng) {
                // Must return or throw; a decoded prefix must be stable under re-encoding.
                if let once = reencoded(M.self, Array(bytes[..<cut])) {
                    #expect(reencoded(M.self, once) == once)
                }
            }
            for at in positions(bytes.count, using: &rng) {
                var corrupted = bytes
                corrupted[at] = UInt8.random(in: 0...255, using: &rng)
                if let once = reencoded(M.self, corrupted) {
                    #expect(reencoded(M.self, once) == once)
                }
            }
        }
    }

    /// The encoder records nested lengths for the first 128 nested messages, then a byte each
    /// for the next 1,024 (255 meaning "size it again"), then none: a batch of 1,300 events,
    /// every seventh one over 255 bytes, crosses all three. Its bytes must equal an encoding
    /// whose writer sizes every nested message itself, and decode back to the batch.
    @Test("long repeated fields encode the same with and without recorded nested lengths")
    func longRepeatedFieldsEncodeTheSame() throws {
        var batch = PublishEventsRequest()
        batch.accountId = "acme"
        for i in 0..<1300 {
            var e = EventMessage()
            e.type = "CONVERSATION_OPENED"
            e.time = 1_750_000_000_000 + Int64(i)
            e.conversationId = "c\(i)"
            e.skillId = "s\(i % 17)"
            if i % 7 == 0 { e.name = String(repeating: "n", count: 250 + i % 40) }
            batch.events.append(e)
        }
        let recorded = batch.protobufBytes()
        let plain = [UInt8](unsafeUninitializedCapacity: batch.protobufSize) { buffer, count in
            var writer = ProtoWriter(UnsafeMutableRawBufferPointer(buffer))
            batch.traverseFields(&writer)
            count = writer.offset
        }
        #expect(recorded == plain)
        #expect(try PublishEventsRequest(protobufBytes: recorded) == batch)
    }

    @Test("every prefix and every single-byte corruption decodes or throws, never traps")
    func prefixesAndCorruptionsNeverTrap() async {
        await prefixesAndCorruptions(R.getMetricsRequest)
        await prefixesAndCorruptions(R.publishEventsRequest)
        await prefixesAndCorruptions(R.getMetricsResponse)
    }

    @Test("two concatenated encodings decode to the proto merge of both messages")
    func concatenationMerges() async {
        await propertyCheck(count: 100, input: R.gen(R.getMetricsRequest), R.gen(R.getMetricsRequest)) { a, b in
            let merged = try GetMetricsRequest(protobufBytes: a.protobufBytes() + b.protobufBytes())
            #expect(merged == ProtoMergeModel.getMetricsRequest(a, b))
            var incremental = a
            try b.protobufBytes().withUnsafeBytes { buffer in try incremental.merge(protobufBuffer: buffer) }
            #expect(incremental == merged)
        }
        await propertyCheck(count: 100, input: R.gen(R.getMetricsResponse), R.gen(R.getMetricsResponse)) { a, b in
            let merged = try GetMetricsResponse(protobufBytes: a.protobufBytes() + b.protobufBytes())
            #expect(merged == ProtoMergeModel.getMetricsResponse(a, b))
        }
        await propertyCheck(count: 100, input: R.gen(R.publishEventsRequest), R.gen(R.publishEventsRequest)) { a, b in
            let merged = try PublishEventsRequest(protobufBytes: a.protobufBytes() + b.protobufBytes())
            #expect(merged == ProtoMergeModel.publishEventsRequest(a, b))
        }
    }

    @Test("fields decode the same in any order on the wire")
    func anyFieldOrder() async {
        await propertyCheck(count: 100, input: R.gen(R.getMetricsRequest), Gen.uint64()) { message, seed in
            var rng = SplitMix64(seed: seed)
            let shuffled = ProtoFieldSplitter.shuffledEncoding(message, using: &rng)
            let decoded = try GetMetricsRequest(protobufBytes: shuffled)
            #expect(decoded == message)
        }
        await propertyCheck(count: 100, input: R.gen(R.metrics), Gen.uint64()) { message, seed in
            var rng = SplitMix64(seed: seed)
            let shuffled = ProtoFieldSplitter.shuffledEncoding(message, using: &rng)
            let decoded = try Metrics(protobufBytes: shuffled)
            #expect(decoded == message)
        }
        await propertyCheck(count: 100, input: R.gen(R.event), Gen.uint64()) { message, seed in
            var rng = SplitMix64(seed: seed)
            let shuffled = ProtoFieldSplitter.shuffledEncoding(message, using: &rng)
            let decoded = try EventMessage(protobufBytes: shuffled)
            #expect(decoded == message)
        }
    }

    @Test("random bytes decode or throw, never trap")
    func randomBytes() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...200)) { bytes in
            _ = reencoded(GetMetricsRequest.self, bytes)
            _ = reencoded(PublishEventsRequest.self, bytes)
            _ = reencoded(GetMetricsResponse.self, bytes)
        }
    }
}
