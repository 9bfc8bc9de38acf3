/// First encoding pass: adds up the exact number of bytes the writer will produce.
///
/// Nested messages are sized inside the same pass, and their lengths can be recorded (in the
/// order the writer meets them) so the writer does not size each subtree again at every level
/// of nesting; see `ProtoMessage.protobufBytes()`.
public struct ProtoSizer: ProtoFieldVisitor {
    @usableFromInline var _size = 0
    /// Nested messages met so far, in traversal order (the writer's order).
    @usableFromInline var nestedCount = 0
    /// Receives the length of nested message `i` for `i < lengthCapacity`.
    @usableFromInline let lengths: UnsafeMutablePointer<Int>?
    @usableFromInline let lengthCapacity: Int
    /// Receives, one byte each, the lengths of the next `narrowCapacity` nested messages (the
    /// many short elements of a long repeated field: a batch's events), `narrowEscape` for one
    /// of 255 bytes or more.
    @usableFromInline let narrow: UnsafeMutablePointer<UInt8>?
    @usableFromInline let narrowCapacity: Int
    @inlinable static var narrowEscape: UInt8 { 255 }

    /// Bytes counted so far.
    @inlinable public var size: Int { _size }

    @inlinable public init() {
        lengths = nil
        lengthCapacity = 0
        narrow = nil
        narrowCapacity = 0
    }

    /// A sizer that also records the lengths of the first `buffer.count` nested messages, and
    /// of the `narrowBuffer.count` after them in a byte each.
    @inlinable
    init(
        recordingLengthsInto buffer: UnsafeMutableBufferPointer<Int>,
        narrow narrowBuffer: UnsafeMutableBufferPointer<UInt8> = UnsafeMutableBufferPointer(start: nil, count: 0)
    ) {
        lengths = buffer.baseAddress
        lengthCapacity = buffer.baseAddress == nil ? 0 : buffer.count
        narrow = narrowBuffer.baseAddress
        narrowCapacity = narrowBuffer.baseAddress == nil ? 0 : narrowBuffer.count
    }

    /// The recorded lengths, for `ProtoWriter(_:nestedLengths:narrowLengths:)`.
    @inlinable
    var recordedLengths: UnsafeBufferPointer<Int> {
        UnsafeBufferPointer(start: lengths, count: min(nestedCount, lengthCapacity))
    }

    /// The lengths recorded in a byte each (after `recordedLengths`).
    @inlinable
    var recordedNarrowLengths: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: narrow, count: max(0, min(nestedCount &- lengthCapacity, narrowCapacity)))
    }

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
        let index = nestedCount
        nestedCount &+= 1
        let outer = _size
        _size = 0
        value.traverseFields(&self)
        let length = _size
        if index < lengthCapacity {
            lengths.unsafelyUnwrapped[index] = length
        } else if index &- lengthCapacity < narrowCapacity {
            narrow.unsafelyUnwrapped[index &- lengthCapacity] =
                length < Int(Self.narrowEscape) ? UInt8(truncatingIfNeeded: length) : Self.narrowEscape
        }
        _size = outer &+ Self.keySize(field) &+ Varint.encodedSize(of: UInt64(length)) &+ length
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
