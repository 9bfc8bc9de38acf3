/// Second encoding pass: writes into a buffer the sizer has already measured, so there is no
/// growth and no copying. Every write is still bounds-checked: a sizer bug stops the process
/// instead of writing past the buffer.
public struct ProtoWriter: ProtoFieldVisitor {
    @usableFromInline let base: UnsafeMutableRawPointer?
    @usableFromInline let capacity: Int
    /// Bytes written so far.
    @inlinable public var offset: Int { _offset }
    @usableFromInline var _offset = 0
    /// Lengths of the nested messages in traversal order, as a recording `ProtoSizer` left
    /// them; a nested message past the end is sized when it is reached.
    @usableFromInline let nestedLengths: UnsafeBufferPointer<Int>
    /// The lengths of the nested messages after those, one byte each (`ProtoSizer.narrowEscape`:
    /// 255 bytes or more, sized when it is reached).
    @usableFromInline let narrowLengths: UnsafeBufferPointer<UInt8>
    @usableFromInline var nextNested = 0

    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.init(buffer, nestedLengths: UnsafeBufferPointer(start: nil, count: 0))
    }

    @inlinable
    init(
        _ buffer: UnsafeMutableRawBufferPointer, nestedLengths: UnsafeBufferPointer<Int>,
        narrowLengths: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)
    ) {
        self.base = buffer.baseAddress
        self.capacity = buffer.baseAddress == nil ? 0 : buffer.count
        self.nestedLengths = nestedLengths
        self.narrowLengths = narrowLengths
    }

    @inlinable
    mutating func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        precondition(count <= capacity &- _offset, "ProtoWriter: encoding larger than its computed size")
        let at = base.unsafelyUnwrapped + _offset
        _offset &+= count
        return at
    }

    // MARK: Raw values

    @inlinable
    public mutating func writeVarint(_ value: UInt64) {
        let size = Varint.encodedSize(of: value)
        let p = reserve(size)
        var v = value
        var i = 0
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            v >>= 7
            i &+= 1
        }
        p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
    }

    @inlinable
    public mutating func writeKey(field: Int, wireType: WireType) {
        writeVarint(UInt64(truncatingIfNeeded: field) << 3 | UInt64(wireType.rawValue))
    }

    @inlinable
    public mutating func writeFixed64(_ value: UInt64) {
        reserve(8).storeBytes(of: value.littleEndian, as: UInt64.self)
    }

    @inlinable
    public mutating func writeFixed32(_ value: UInt32) {
        reserve(4).storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    @inlinable
    public mutating func writeRawBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count).copyMemory(from: source, byteCount: bytes.count)
    }

    // MARK: Fields

    @inlinable public mutating func emitVarint(_ value: UInt64, field: Int) {
        writeKey(field: field, wireType: .varint)
        writeVarint(value)
    }

    @inlinable public mutating func emitFixed64(_ value: UInt64, field: Int) {
        writeKey(field: field, wireType: .fixed64)
        writeFixed64(value)
    }

    @inlinable public mutating func emitFixed32(_ value: UInt32, field: Int) {
        writeKey(field: field, wireType: .fixed32)
        writeFixed32(value)
    }

    @inlinable public mutating func emitString(_ value: String, field: Int) {
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(value.utf8.count))
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            writeRawBytes(UnsafeRawBufferPointer(utf8))
        }
        if done == nil {
            var copy = value
            copy.withUTF8 { writeRawBytes(UnsafeRawBufferPointer($0)) }
        }
    }

    @inlinable public mutating func emitBytes(_ value: [UInt8], field: Int) {
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(value.count))
        value.withUnsafeBytes { writeRawBytes($0) }
    }

    @inlinable public mutating func emitMessage<M: ProtoMessage>(_ value: M, field: Int) {
        let index = nextNested
        nextNested &+= 1
        let length: Int
        if index < nestedLengths.count {
            length = nestedLengths[index]
        } else if index &- nestedLengths.count < narrowLengths.count,
            narrowLengths[index &- nestedLengths.count] != ProtoSizer.narrowEscape
        {
            length = Int(narrowLengths[index &- nestedLengths.count])
        } else {
            length = value.protobufSize
        }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(length))
        let start = _offset
        value.traverseFields(&self)
        // A length prefix that disagrees with its content would corrupt the whole message.
        precondition(_offset &- start == length, "ProtoWriter: nested message differs from its size pass")
    }

    @inlinable public mutating func emitPackedVarints(_ values: [UInt64], field: Int) {
        guard !values.isEmpty else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(ProtoSizer.packedLength(values)))
        for value in values { writeVarint(value) }
    }
}
