/// First encoding pass: adds up the exact number of bytes the writer will produce.
public struct ProtoSizer: ProtoFieldVisitor {
    @usableFromInline var _size = 0
    /// Bytes counted so far.
    @inlinable public var size: Int { _size }

    @inlinable public init() {}

    @inlinable
    static func keySize(_ field: Int) -> Int {
        Varint.encodedSize(of: UInt64(truncatingIfNeeded: field) << 3)
    }

    @inlinable public mutating func emitVarint(_ value: UInt64, field: Int) {
        _size &+= Self.keySize(field) &+ Varint.encodedSize(of: value)
    }

    @inlinable public mutating func emitFixed64(_ value: UInt64, field: Int) {
        _size &+= Self.keySize(field) &+ 8
    }

    @inlinable public mutating func emitFixed32(_ value: UInt32, field: Int) {
        _size &+= Self.keySize(field) &+ 4
    }

    @inlinable public mutating func emitString(_ value: String, field: Int) {
        let length = value.utf8.count
        _size &+= Self.keySize(field) &+ Varint.encodedSize(of: UInt64(length)) &+ length
    }

    @inlinable public mutating func emitBytes(_ value: [UInt8], field: Int) {
        _size &+= Self.keySize(field) &+ Varint.encodedSize(of: UInt64(value.count)) &+ value.count
    }

    @inlinable public mutating func emitMessage<M: ProtoMessage>(_ value: M, field: Int) {
        let length = value.protobufSize
        _size &+= Self.keySize(field) &+ Varint.encodedSize(of: UInt64(length)) &+ length
    }

    @inlinable public mutating func emitPackedVarints(_ values: [UInt64], field: Int) {
        guard !values.isEmpty else { return }
        let length = Self.packedLength(values)
        _size &+= Self.keySize(field) &+ Varint.encodedSize(of: UInt64(length)) &+ length
    }

    @inlinable
    static func packedLength(_ values: [UInt64]) -> Int {
        var length = 0
        for value in values { length &+= Varint.encodedSize(of: value) }
        return length
    }
}
