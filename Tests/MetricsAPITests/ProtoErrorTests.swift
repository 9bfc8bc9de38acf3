import MetricsAPI
import ProtoWire
import Testing

private func error<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) -> WireError? {
    do {
        _ = try M(protobufBytes: bytes)
        return nil
    } catch {
        return error
    }
}

@Suite("Protobuf decoding errors of the API messages")
struct ProtoErrorTests {
    @Test("a 2^31 length prefix in a tiny input throws at once, without allocating")
    func hugeLengthPrefix() {
        let clock = ContinuousClock()
        let start = clock.now
        // field 5 (filters), length 2^31, nothing after it: 6 bytes.
        let e1 = error(GetMetricsRequest.self, [0x2A, 0x80, 0x80, 0x80, 0x80, 0x08])
        #expect(e1?.kind == .lengthExceedsInput(length: 1 << 31, remaining: 0))
        // 5 bytes: field 1 (account_id) claiming 2^28-1 bytes.
        let e2 = error(GetMetricsRequest.self, [0x0A, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(e2?.kind == .lengthExceedsInput(length: 268_435_455, remaining: 0))
        // events of PublishEventsRequest claiming 2^31.
        let e3 = error(PublishEventsRequest.self, [0x22, 0x80, 0x80, 0x80, 0x80, 0x08])
        #expect(e3?.kind == .lengthExceedsInput(length: 1 << 31, remaining: 0))
        #expect(clock.now - start < .seconds(1))
    }

    @Test("the message names the field, the limit and the offset")
    func lengthErrorText() {
        let bytes: [UInt8] = [0x2A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07] + [UInt8](repeating: 0, count: 12)
        #expect(error(GetMetricsRequest.self, bytes)?.description
            == "field 5 (filters): length 2147483647 exceeds remaining 12 bytes at offset 1")
    }

    @Test("errors deep inside name the path from the request")
    func nestedPath() {
        // filters { time { from_ms: <truncated> } }
        let bytes: [UInt8] = [0x2A, 0x04, 0x0A, 0x02, 0x08, 0x80]
        let e = error(GetMetricsRequest.self, bytes)
        #expect(e == WireError(.truncatedVarint, offset: 5, fieldNumber: 1, fieldPath: "filters.time.from_ms"))
        #expect(e?.description == "field 1 (filters.time.from_ms): truncated varint at offset 5")
    }

    @Test("invalid UTF-8 names the string field")
    func invalidUTF8() {
        #expect(error(GetMetricsRequest.self, [0x0A, 0x02, 0xC3, 0x28])?.description
            == "field 1 (account_id): string is not valid UTF-8 at offset 2")
        // events[0].skill_ids
        #expect(error(PublishEventsRequest.self, [0x22, 0x03, 0x4A, 0x01, 0xFF])?.description
            == "field 9 (events.skill_ids): string is not valid UTF-8 at offset 4")
    }

    @Test("a known field with a foreign wire type is rejected, naming it")
    func wireTypeMismatch() {
        // offset (int64) sent as fixed64
        let e = error(GetMetricsRequest.self, [0x11, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(e?.description == "field 2 (offset): expected wire type 0 (varint), got 1 (fixed64) at offset 0")
        // weight (double) sent as varint
        #expect(error(EventMessage.self, [0x68, 0x01])?.kind == .wireTypeMismatch(expected: .fixed64, actual: .varint))
    }

    @Test("a broken unknown field inside a message names its number in the path")
    func brokenUnknownField() {
        // filters { field 99: length 9 with 1 byte left }
        let e = error(GetMetricsRequest.self, [0x2A, 0x04, 0x9A, 0x06, 0x09, 0x00])
        #expect(e?.description == "field 99 (filters.99): length 9 exceeds remaining 1 bytes at offset 4")
    }

    @Test("groups and undefined wire types are rejected")
    func groups() {
        #expect(error(GetMetricsRequest.self, [0x0B, 0x0C])?.description
            == "unsupported wire type 3 (groups) at offset 0")
        #expect(error(Metrics.self, [0x0F])?.description == "invalid wire type 7 at offset 0")
    }

    @Test("field number 0 is rejected")
    func fieldZero() {
        #expect(error(GetMetricsResponse.self, [0x02, 0x00])?.description == "invalid field number 0 at offset 0")
    }

    @Test("a big repeated field costs memory in proportion to the input only")
    func manyRepeatedElements() throws {
        // 200k empty strings in response_sections (2 bytes each).
        var bytes: [UInt8] = []
        for _ in 0..<200_000 { bytes += [0x42, 0x00] }
        let request = try GetMetricsRequest(protobufBytes: bytes)
        #expect(request.responseSections.count == 200_000)
    }

    @Test("the last value wins for scalars and optional fields")
    func lastValueWins() throws {
        let m = try Metrics(protobufBytes: [0x08, 0x01, 0x08, 0x00, 0x41, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(m.closedConversations == 0)
        #expect(m.avgWaitTime == 1.0)
    }

    @Test("a second filters message is merged into the first")
    func filtersMerged() throws {
        // filters { agent_ids: "a" time { from_ms: 1 } } filters { agent_ids: "b" time { to_ms: 2 } }
        let bytes: [UInt8] = [0x2A, 0x07, 0x12, 0x01, 0x61, 0x0A, 0x02, 0x08, 0x01,
                              0x2A, 0x07, 0x12, 0x01, 0x62, 0x0A, 0x02, 0x10, 0x02]
        let filters = try #require(try GetMetricsRequest(protobufBytes: bytes).filters)
        #expect(filters.agentIds == ["a", "b"])
        #expect(filters.time == TimeRange(fromMs: 1, toMs: 2))
    }
}
