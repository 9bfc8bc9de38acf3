import PropertyBased
import ProtoWire
import Testing

@Suite("Varint and ZigZag")
struct VarintTests {
    static let known: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (1, [0x01]),
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (300, [0xAC, 0x02]),
        (16_383, [0xFF, 0x7F]),
        (16_384, [0x80, 0x80, 0x01]),
        (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        (1 << 63, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test("known values encode, size and decode as the protobuf spec shows", arguments: known)
    func knownValues(_ value: UInt64, _ bytes: [UInt8]) throws {
        #expect(Varint.encode(value) == bytes)
        #expect(Varint.encodedSize(of: value) == bytes.count)
        let decoded = try Varint.decode(bytes)
        #expect(decoded.value == value)
        #expect(decoded.length == bytes.count)
    }

    static let malformed: [([UInt8], WireError.Kind)] = [
        ([], .truncatedVarint),
        ([0x80], .truncatedVarint),
        ([0xFF, 0xFF, 0xFF], .truncatedVarint),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .truncatedVarint),
        // 10th byte above 1: the value would need more than 64 bits.
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], .malformedVarint),
        // 11 bytes: the 10th still has its continuation bit.
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00], .malformedVarint),
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], .malformedVarint),
    ]

    @Test("truncated, over-long and overflowing varints are errors at offset 0", arguments: malformed)
    func malformedVarints(_ bytes: [UInt8], _ kind: WireError.Kind) {
        #expect(throws: WireError(kind, offset: 0)) {
            _ = try Varint.decode(bytes)
        }
    }

    @Test("negative int32/int64 take 10 bytes (sign-extended)")
    func negativeSizes() {
        #expect(Varint.encodedSize(of: Int64(-1)) == 10)
        #expect(Varint.encodedSize(of: Int32(-1)) == 10)
        #expect(Varint.encodedSize(of: Int32.min) == 10)
        #expect(Varint.encodedSize(of: Int32.max) == 5)
    }

    @Test("random varints round-trip")
    func varintRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.uint64().map { $0 >> ($0 % 64) }) { value in
            let bytes = Varint.encode(value)
            #expect(bytes.count == Varint.encodedSize(of: value))
            let decoded = try Varint.decode(bytes)
            #expect(decoded.value == value)
            #expect(decoded.length == bytes.count)
        }
    }

    static let zigzag32: [(Int32, UInt32)] = [
        (0, 0), (-1, 1), (1, 2), (-2, 3), (2_147_483_647, 0xFFFF_FFFE), (-2_147_483_648, 0xFFFF_FFFF),
    ]

    @Test("zigzag32 matches the protobuf table", arguments: zigzag32)
    func zigzag32Table(_ value: Int32, _ encoded: UInt32) {
        #expect(ZigZag.encoded(value) == encoded)
        #expect(ZigZag.decoded(encoded) == value)
    }

    @Test("zigzag64 matches the protobuf table")
    func zigzag64Table() {
        #expect(ZigZag.encoded(Int64(0)) == 0)
        #expect(ZigZag.encoded(Int64(-1)) == 1)
        #expect(ZigZag.encoded(Int64(1)) == 2)
        #expect(ZigZag.encoded(Int64.max) == UInt64.max - 1)
        #expect(ZigZag.encoded(Int64.min) == UInt64.max)
    }

    @Test("random zigzag values round-trip, 32 and 64 bits")
    func zigzagRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.int64(), Gen.int32()) { a, b in
            #expect(ZigZag.decoded(ZigZag.encoded(a)) == a)
            #expect(ZigZag.decoded(ZigZag.encoded(b)) == b)
            #expect(Int64(ZigZag.encoded(b)) == Int64(ZigZag.encoded(Int64(b))))
        }
    }
}
