import ProtoWire

/// A test-only message using the wire features the API messages do not (packed repeated
/// scalars, recursion, fixed32 floats, zigzag), so ProtoWire is tested on its own.
struct TestMessage: ProtoMessage, Equatable {
    var number: Int64 = 0                 // 1: int64
    var numbers: [Int64] = []             // 2: repeated int64 (packed when written)
    var text: String = ""                 // 3: string
    var children: [TestMessage] = []      // 4: repeated TestMessage (recursion)
    var real: Double = 0                  // 5: double
    var small: Float = 0                  // 6: float
    var signed: Int64 = 0                 // 7: sint64
    var child: Box? = nil                 // 8: TestMessage, singular (merged when repeated)
    var flag: Bool = false                // 9: bool
    var blob: [UInt8] = []                // 10: bytes

    /// Singular recursive field needs indirection.
    final class Box: Sendable, Equatable {
        let value: TestMessage
        init(_ value: TestMessage) { self.value = value }
        static func == (a: Box, b: Box) -> Bool { a.value == b.value }
    }

    init() {}

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: number = try reader.decodeInt64(tag)
        case 2: try reader.decodeRepeatedInt64(tag, into: &numbers)
        case 3: text = try reader.decodeString(tag)
        case 4: try reader.decodeRepeatedMessage(tag, into: &children)
        case 5: real = try reader.decodeDouble(tag)
        case 6: small = try reader.decodeFloat(tag)
        case 7: signed = try reader.decodeSInt64(tag)
        case 8:
            var inner: TestMessage? = child?.value
            try reader.decodeMessage(tag, into: &inner)
            child = inner.map(Box.init)
        case 9: flag = try reader.decodeBool(tag)
        case 10: blob = try reader.decodeBytes(tag)
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt64(number, field: 1)
        visitor.visitRepeatedInt64(numbers, field: 2)
        visitor.visitString(text, field: 3)
        visitor.visitRepeatedMessage(children, field: 4)
        visitor.visitDouble(real, field: 5)
        if small.bitPattern != 0 { visitor.emitFixed32(small.bitPattern, field: 6) }
        visitor.visitSInt64(signed, field: 7)
        visitor.visitMessage(child?.value, field: 8)
        visitor.visitBool(flag, field: 9)
        visitor.visitBytes(blob, field: 10)
    }

    static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "number"
        case 2: "numbers"
        case 3: "text"
        case 4: "children"
        case 5: "real"
        case 6: "small"
        case 7: "signed"
        case 8: "child"
        case 9: "flag"
        case 10: "blob"
        default: nil
        }
    }
}

/// Decodes `bytes` as a TestMessage and returns the error, if any (nil = decoded).
func decodeError(_ bytes: [UInt8], nestingLimit: Int = ProtoReader.defaultNestingLimit) -> WireError? {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(WireError) in try TestMessage(protobufBuffer: buffer, nestingLimit: nestingLimit) }
    }
    if case .failure(let error) = result { return error }
    return nil
}
