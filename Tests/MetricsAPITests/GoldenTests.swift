import MetricsAPI
import ProtoWire
import Testing

/// One golden vector: the file, the value it must decode to, and the file our encoding of that
/// value must equal byte for byte (itself when protoc's field order is ours; nil when the
/// file carries unknown fields we drop and no plain twin exists).
struct GoldenCase: Sendable, CustomTestStringConvertible {
    let name: String
    let encodesTo: String?
    let decodesToExpected: @Sendable ([UInt8]) throws -> Bool
    let ourEncoding: @Sendable () -> [UInt8]
    let ourEncodingViaBuffer: @Sendable () throws -> [UInt8]

    var testDescription: String { name }

    static func of<M: ProtoMessage & Equatable>(
        _ name: String, _ expected: M, encodesTo: String?? = .none
    ) -> GoldenCase {
        GoldenCase(
            name: name,
            encodesTo: encodesTo ?? name,
            decodesToExpected: { bytes in try M(protobufBytes: bytes) == expected },
            ourEncoding: { expected.protobufBytes() },
            ourEncodingViaBuffer: {
                var out = [UInt8](repeating: 0xEE, count: expected.protobufSize + 3)
                let written = try out.withUnsafeMutableBytes { try expected.encode(into: $0) }
                #expect(out[written...].allSatisfy { $0 == 0xEE }, "wrote past its size")
                return Array(out[..<written])
            })
    }

    static let all: [GoldenCase] = [
        .of("GetMetricsRequest_full", GoldenExpected.requestFull),
        .of("GetMetricsRequest_negative", GoldenExpected.requestNegative),
        .of("GetMetricsRequest_empty", GetMetricsRequest()),
        .of("GetMetricsRequest_empty_filters", GoldenExpected.requestEmptyFilters),
        .of("GetMetricsRequest_unknown_fields", GoldenExpected.requestFull, encodesTo: "GetMetricsRequest_full"),
        .of("Filters", GoldenExpected.filters),
        .of("TimeRange", TimeRange(fromMs: -1, toMs: 0)),
        .of("Metrics_full", GoldenExpected.metricsFull),
        .of("Metrics_zero", GoldenExpected.metricsZero),
        .of("Metrics_empty", Metrics()),
        .of("Metrics_unknown_fields", GoldenExpected.metricsKnownOfV2, encodesTo: .some(nil)),
        .of("Link", GoldenExpected.link),
        .of("Metadata", GoldenExpected.metadata),
        .of("Group", GoldenExpected.group),
        .of("GroupBySection", GoldenExpected.groupBySection),
        .of("AllSection", AllSection(metrics: Metrics())),
        .of("GetMetricsResponse_full", GoldenExpected.responseFull),
        .of("GetMetricsResponse_all_only", GoldenExpected.responseAllOnly),
        .of("Event_full", GoldenExpected.eventFull),
        .of("Event_zero_optionals", GoldenExpected.eventZeroOptionals),
        .of("Event_negative", GoldenExpected.eventNegative),
        .of("PublishEventsRequest", GoldenExpected.publishRequest),
        .of("PublishEventsRequest_unknown_fields", GoldenExpected.publishRequestKnownOfV2, encodesTo: .some(nil)),
        .of("Rejection", Rejection(index: 7, reason: "unknown conversation c9")),
        .of("PublishEventsResponse", GoldenExpected.publishResponse),
    ]
}

@Suite("Golden vectors from protoc")
struct GoldenTests {
    @Test("decodes protoc's bytes to the hand-written value", arguments: GoldenCase.all)
    func decodesToExpectedValue(_ golden: GoldenCase) throws {
        let bytes = try GoldenFiles.bytes(golden.name)
        #expect(try golden.decodesToExpected(bytes))
    }

    @Test("encodes the value to protoc's bytes exactly", arguments: GoldenCase.all.filter { $0.encodesTo != nil })
    func encodesToProtocBytes(_ golden: GoldenCase) throws {
        let expected = try GoldenFiles.bytes(try #require(golden.encodesTo))
        #expect(golden.ourEncoding() == expected)
        #expect(try golden.ourEncodingViaBuffer() == expected)
    }

    @Test("every golden file has a case")
    func everyFileIsCovered() throws {
        let covered = Set(GoldenCase.all.map(\.name))
        let files = try GoldenFiles.allNames()
        #expect(files.count >= 25)
        for name in files { #expect(covered.contains(name), "no GoldenCase for \(name).bin") }
    }

    @Test("negative int32 and int64 are 10-byte varints, as protoc writes them")
    func negativeIntegersAreTenBytes() throws {
        var r = GetMetricsRequest()
        r.offset = -1
        #expect(r.protobufBytes() == [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        var s = Rejection()
        s.index = -1
        #expect(s.protobufBytes() == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test("an encoding that does not fit the caller's buffer is an error, nothing written")
    func bufferTooSmall() throws {
        let value = GoldenExpected.requestFull
        var out = [UInt8](repeating: 0, count: value.protobufSize - 1)
        #expect(throws: WireError.self) {
            _ = try out.withUnsafeMutableBytes { try value.encode(into: $0) }
        }
        #expect(out.allSatisfy { $0 == 0 })
    }
}
