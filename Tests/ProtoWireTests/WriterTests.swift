import ProtoWire
import Testing

@Suite("ProtoWriter")
struct WriterTests {
    @Test("the size pass matches the bytes written, for nested and packed fields")
    func sizeMatches() throws {
        var inner = TestMessage()
        inner.text = String(repeating: "x", count: 200)   // two-byte length prefix
        inner.numbers = [-1, 0, 1 << 40]
        var outer = TestMessage()
        outer.children = [inner, TestMessage(), inner]
        outer.child = .init(inner)
        outer.number = -5
        let bytes = outer.protobufBytes()
        #expect(bytes.count == outer.protobufSize)
        #expect(bytes.capacity >= bytes.count)
        #expect(try TestMessage(protobufBytes: bytes) == outer)
    }

    @Test("more nested messages than the size pass records lengths for still encode exactly")
    func manyNestedMessages() throws {
        var leaf = TestMessage()
        leaf.text = String(repeating: "y", count: 130)  // two-byte length prefixes at each level
        var middle = TestMessage()
        middle.children = [leaf, leaf]
        middle.child = .init(leaf)
        var outer = TestMessage()
        outer.children = Array(repeating: middle, count: 100)  // 400 nested messages, 3 levels
        let bytes = outer.protobufBytes()
        #expect(bytes.count == outer.protobufSize)
        #expect(try TestMessage(protobufBytes: bytes) == outer)
        var buffer = [UInt8](repeating: 0, count: bytes.count)
        let written = try buffer.withUnsafeMutableBytes { try outer.encode(into: $0) }
        #expect(written == bytes.count)
        #expect(buffer == bytes)
    }

    @Test("an empty nested message is written as key + zero length")
    func emptyNestedMessage() {
        var m = TestMessage()
        m.children = [TestMessage()]
        #expect(m.protobufBytes() == [0x22, 0x00])
    }

    @Test("default scalars are not written")
    func defaultsOmitted() {
        #expect(TestMessage().protobufBytes() == [])
        #expect(TestMessage().protobufSize == 0)
    }

    @Test("-0.0 is not the default for a double (its bit pattern is not zero)")
    func negativeZero() {
        var m = TestMessage()
        m.real = -0.0
        #expect(m.protobufBytes() == [0x29, 0, 0, 0, 0, 0, 0, 0, 0x80])
    }

    @Test("encode(into:) writes into a caller buffer and reports the count")
    func encodeIntoBuffer() throws {
        var m = TestMessage()
        m.number = 300
        var buffer = [UInt8](repeating: 0, count: 8)
        let written = try buffer.withUnsafeMutableBytes { try m.encode(into: $0) }
        #expect(written == 3)
        #expect(buffer == [0x08, 0xAC, 0x02, 0, 0, 0, 0, 0])
        var small = [UInt8](repeating: 0, count: 2)
        #expect(throws: WireError(.bufferTooSmall(needed: 3, available: 2), offset: 0)) {
            _ = try small.withUnsafeMutableBytes { try m.encode(into: $0) }
        }
    }
}
