import ProtoWire
import Testing

@Suite("ProtoReader")
struct ReaderTests {
    @Test("field number 0 is an error")
    func fieldNumberZero() {
        #expect(decodeError([0x00, 0x01]) == WireError(.invalidFieldNumber(0), offset: 0))
        #expect(decodeError([0x08, 0x01, 0x02]) == WireError(.invalidFieldNumber(0), offset: 2))
    }

    @Test("field numbers up to 2^29-1 are accepted, above are errors")
    func fieldNumberLimit() {
        // (2^29-1) << 3 | 0 = 0xFFFFFFF8 → F8 FF FF FF 0F; unknown, so skipped.
        #expect(decodeError([0xF8, 0xFF, 0xFF, 0xFF, 0x0F, 0x05]) == nil)
        // 2^29 << 3 = 2^32 → 80 80 80 80 10
        #expect(decodeError([0x80, 0x80, 0x80, 0x80, 0x10, 0x05])
            == WireError(.invalidFieldNumber(1 << 29), offset: 0))
    }

    @Test("wire types 3, 4 (groups), 6 and 7 are errors", arguments: [UInt8(3), 4, 6, 7])
    func invalidWireTypes(_ wireType: UInt8) {
        #expect(decodeError([0x08 | wireType]) == WireError(.invalidWireType(wireType), offset: 0))
        #expect(decodeError([0x08, 0x01, 0x78 | wireType])
            == WireError(.invalidWireType(wireType), offset: 2))
    }

    @Test("a string decoded with preferred values equals the input, known or not", arguments: [
        "conversation_assigned", "conversation_assignee", "agent", "", "tÿpe_not_ascii_and_long",
    ])
    func preferredStrings(_ value: String) throws {
        let known = ProtoInternedStrings(["agent", "conversation_assigned", "conversation_closed"])
        var message = TestMessage()
        message.text = value
        let bytes = message.protobufBytes()
        let decoded = try bytes.withUnsafeBytes { raw throws(WireError) -> String in
            var reader = ProtoReader(raw)
            var text = ""
            while let tag = try reader.nextTag() { text = try reader.decodeString(tag, preferring: known) }
            return text
        }
        #expect(decoded == value)
    }

    @Test("a repeated message that fails to decode leaves no partial element")
    func failedRepeatedMessage() throws {
        // field 4 (children), length 3: field 1 = 5, then a truncated varint key.
        let bytes: [UInt8] = [0x22, 0x03, 0x08, 0x05, 0x80]
        var children = [TestMessage()]
        let error = bytes.withUnsafeBytes { raw -> WireError? in
            var reader = ProtoReader(raw)
            do throws(WireError) {
                while let tag = try reader.nextTag() { try reader.decodeRepeatedMessage(tag, into: &children) }
                return nil
            } catch {
                return error
            }
        }
        #expect(error != nil)
        #expect(children == [TestMessage()])
    }

    @Test("unknown fields of every valid wire type are skipped")
    func skipsUnknownFields() throws {
        let bytes: [UInt8] = [
            0x98, 0x06, 0xAC, 0x02,                          // field 99 varint 300
            0x08, 0x05,                                      // field 1 = 5
            0xA1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,              // field 100 fixed64
            0xAA, 0x06, 0x03, 0xFF, 0xFE, 0xFD,              // field 101 bytes (not UTF-8: unknown, not checked)
            0xB5, 0x06, 1, 2, 3, 4,                          // field 102 fixed32
            0x1A, 0x02, 0x68, 0x69,                          // field 3 = "hi"
        ]
        let message = try TestMessage(protobufBytes: bytes)
        var expected = TestMessage()
        expected.number = 5
        expected.text = "hi"
        #expect(message == expected)
    }

    @Test("skipping an unknown field still checks its bounds")
    func skipChecksBounds() {
        #expect(decodeError([0xAA, 0x06, 0x05, 0x01])
            == WireError(.lengthExceedsInput(length: 5, remaining: 1), offset: 2, fieldNumber: 101, fieldPath: "101"))
        #expect(decodeError([0xA1, 0x06, 1, 2, 3])
            == WireError(.truncated(needed: 8, remaining: 3), offset: 2, fieldNumber: 100, fieldPath: "100"))
        #expect(decodeError([0xB5, 0x06, 1])
            == WireError(.truncated(needed: 4, remaining: 1), offset: 2, fieldNumber: 102, fieldPath: "102"))
    }

    @Test("repeated varints are accepted packed, unpacked and mixed")
    func packedAndUnpacked() throws {
        let unpacked: [UInt8] = [0x10, 0x01, 0x10, 0x96, 0x01, 0x10, 0x7F]
        let packed: [UInt8] = [0x12, 0x04, 0x01, 0x96, 0x01, 0x7F]
        let mixed: [UInt8] = [0x10, 0x01, 0x12, 0x03, 0x96, 0x01, 0x7F]
        for bytes in [unpacked, packed, mixed] {
            #expect(try TestMessage(protobufBytes: bytes).numbers == [1, 150, 127])
        }
        // Negative int64 elements are 10 bytes each inside the packed run too.
        let negative: [UInt8] = [0x12, 0x0B, 0x05] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        #expect(try TestMessage(protobufBytes: negative).numbers == [5, -1])
    }

    @Test("we write repeated scalars packed, as protoc does for proto3")
    func writesPacked() {
        var m = TestMessage()
        m.numbers = [1, 150, 127]
        #expect(m.protobufBytes() == [0x12, 0x04, 0x01, 0x96, 0x01, 0x7F])
    }

    @Test("a packed run whose last varint crosses the run's end is an error")
    func packedRunTruncated() {
        #expect(decodeError([0x12, 0x02, 0x01, 0x96, 0x01])
            == WireError(.truncatedVarint, offset: 3, fieldNumber: 2, fieldPath: "numbers"))
    }

    @Test("for a scalar the last value on the wire wins")
    func lastValueWins() throws {
        let m = try TestMessage(protobufBytes: [0x08, 0x01, 0x1A, 0x01, 0x61, 0x08, 0x02, 0x1A, 0x01, 0x62])
        #expect(m.number == 2)
        #expect(m.text == "b")
    }

    @Test("a singular message field that appears twice is merged")
    func nestedMessagesMerge() throws {
        // child { number: 1 text: "a" } child { text: "b" numbers: 7 }
        let bytes: [UInt8] = [0x42, 0x05, 0x08, 0x01, 0x1A, 0x01, 0x61, 0x42, 0x05, 0x1A, 0x01, 0x62, 0x10, 0x07]
        let child = try #require(try TestMessage(protobufBytes: bytes).child?.value)
        #expect(child.number == 1)
        #expect(child.text == "b")
        #expect(child.numbers == [7])
    }

    @Test("fields decode in any order")
    func anyOrder() throws {
        let m = try TestMessage(protobufBytes: [0x1A, 0x01, 0x61, 0x48, 0x01, 0x08, 0x03])
        #expect(m.number == 3 && m.text == "a" && m.flag)
    }

    @Test("doubles and floats are little-endian IEEE 754")
    func fixedWidth() throws {
        var m = TestMessage()
        m.real = 1.0
        m.small = -2.0
        let bytes = m.protobufBytes()
        #expect(bytes == [0x29, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x35, 0, 0, 0, 0xC0])
        #expect(try TestMessage(protobufBytes: bytes) == m)
    }

    @Test("sint64 uses zigzag on the wire")
    func sint64() throws {
        var m = TestMessage()
        m.signed = -2
        #expect(m.protobufBytes() == [0x38, 0x03])
        #expect(try TestMessage(protobufBytes: [0x38, 0x03]).signed == -2)
    }

    @Test("nesting deeper than the limit is an error naming the limit")
    func nestingLimit() {
        func nested(_ depth: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for _ in 0..<depth { bytes = [0x22] + Varint.encode(UInt64(bytes.count)) + bytes }
            return bytes
        }
        #expect(decodeError(nested(64)) == nil)
        let error = decodeError(nested(65))
        #expect(error?.kind == .nestingTooDeep(limit: 64))
        #expect(error?.description.contains("nested deeper than 64 levels") == true)
        #expect(decodeError(nested(3), nestingLimit: 2)?.kind == .nestingTooDeep(limit: 2))
        #expect(decodeError(nested(10_000))?.kind == .nestingTooDeep(limit: 64))
    }

    @Test("invalid UTF-8 in a string field is an error", arguments: [
        [UInt8(0xC3), 0x28],            // bad continuation
        [0xC0, 0x80],                   // overlong
        [0xED, 0xA0, 0x80],             // surrogate
        [0xF4, 0x90, 0x80, 0x80],       // above U+10FFFF
        [0xE2, 0x82],                   // truncated sequence
        [0xFF],
    ])
    func invalidUTF8(_ payload: [UInt8]) {
        let bytes = [0x1A, UInt8(payload.count)] + payload
        #expect(decodeError(bytes) == WireError(.invalidUTF8, offset: 2, fieldNumber: 3, fieldPath: "text"))
    }

    @Test("the ASCII fast path sees a non-ASCII byte at every position of every word")
    func asciiFastPathBoundaries() throws {
        for length in 1...20 {
            for position in 0..<length {
                var payload = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                payload[position] = 0xFF
                #expect(decodeError([0x1A, UInt8(length)] + payload)?.kind == .invalidUTF8)
                payload[position] = 0x7F
                let expected = String(decoding: payload, as: UTF8.self)
                #expect(try TestMessage(protobufBytes: [0x1A, UInt8(length)] + payload).text == expected)
            }
            let mixed = String(repeating: "b", count: length) + "é"
            let bytes = [0x1A, UInt8(mixed.utf8.count)] + Array(mixed.utf8)
            #expect(try TestMessage(protobufBytes: bytes).text == mixed)
        }
    }

    @Test("bytes fields are not checked for UTF-8")
    func bytesField() throws {
        #expect(try TestMessage(protobufBytes: [0x52, 0x02, 0xFF, 0x00]).blob == [0xFF, 0x00])
    }

    @Test("a field with the wrong wire type is an error naming the field")
    func wireTypeMismatch() {
        let error = decodeError([0x0A, 0x00])  // field 1 (int64) as length-delimited
        #expect(error == WireError(.wireTypeMismatch(expected: .varint, actual: .lengthDelimited),
                                   offset: 0, fieldNumber: 1, fieldPath: "number"))
        #expect(error?.description
            == "field 1 (number): expected wire type 0 (varint), got 2 (length-delimited) at offset 0")
    }

    @Test("a 2^31 length prefix in a 5-byte input throws before allocating")
    func hugeLengthPrefix() {
        let bytes: [UInt8] = [0x1A, 0x80, 0x80, 0x80, 0x80, 0x08]  // field 3, length 2^31
        let error = decodeError(bytes)
        #expect(error == WireError(.lengthExceedsInput(length: 1 << 31, remaining: 0), offset: 1,
                                   fieldNumber: 3, fieldPath: "text"))
        #expect(decodeError([0x22, 0xFF, 0xFF, 0xFF, 0xFF, 0x07])?.kind
            == .lengthExceedsInput(length: 2_147_483_647, remaining: 0))
        #expect(decodeError([0x52, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])?.kind
            == .lengthExceedsInput(length: .max, remaining: 0))
    }

    @Test("a 5-byte length prefix of 2^31 with nothing after it is rejected by readLength")
    func readLengthAlone() {
        let bytes: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x08]
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WireError) in
                var reader = ProtoReader(buffer)
                return try reader.readLength()
            }
        }
        #expect(throws: WireError(.lengthExceedsInput(length: 1 << 31, remaining: 0), offset: 0)) {
            try result.get()
        }
    }

    @Test("nested errors carry the path of field names and the absolute offset")
    func nestedErrorPath() {
        // children[0] { child { number: <truncated varint> } }
        let bytes: [UInt8] = [0x22, 0x04, 0x42, 0x02, 0x08, 0x80]
        let error = decodeError(bytes)
        #expect(error == WireError(.truncatedVarint, offset: 5, fieldNumber: 1, fieldPath: "children.child.number"))
        #expect(error?.description == "field 1 (children.child.number): truncated varint at offset 5")
    }

    @Test("an empty buffer decodes to the default message")
    func emptyInput() throws {
        #expect(try TestMessage(protobufBuffer: UnsafeRawBufferPointer(start: nil, count: 0)) == TestMessage())
        #expect(try TestMessage(protobufBytes: [UInt8]()) == TestMessage())
    }

    @Test("decoding a slice uses its own bounds")
    func sliceInput() throws {
        let bytes: [UInt8] = [0xFF, 0x08, 0x07, 0xFF]
        #expect(try TestMessage(protobufBytes: bytes[1..<3]).number == 7)
    }
}
