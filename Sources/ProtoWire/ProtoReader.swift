/// Reads protobuf wire format from a borrowed buffer, with bounds checks on every read.
///
/// Offsets in errors are absolute in the buffer the reader was created with: nested messages
/// narrow `end` instead of slicing, so a failure deep inside says where it is in the input.
/// The reader never allocates except for the strings and byte arrays it returns, and never
/// trusts a length or count from the input before checking it against the bytes that remain.
public struct ProtoReader {
    public static let defaultNestingLimit = 64

    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline var pos: Int
    @usableFromInline var end: Int
    @usableFromInline var depth: Int = 0
    @usableFromInline let nestingLimit: Int
    /// Offset of the key of the field being decoded (for wire-type errors).
    @usableFromInline var tagOffset: Int = 0

    public init(_ buffer: UnsafeRawBufferPointer, nestingLimit: Int = ProtoReader.defaultNestingLimit) {
        self.base = buffer.baseAddress
        self.pos = 0
        self.end = buffer.baseAddress == nil ? 0 : buffer.count
        self.nestingLimit = nestingLimit
    }

    /// Current absolute offset.
    @inlinable public var offset: Int { pos }

    /// Bytes left in the message being decoded.
    @inlinable public var remaining: Int { end &- pos }

    @inlinable public var isAtEnd: Bool { pos >= end }

    // MARK: Raw values

    @inlinable
    @inline(__always)
    func byte(at index: Int) -> UInt8 {
        // Callers check index < end, and end > 0 implies base != nil.
        base.unsafelyUnwrapped.load(fromByteOffset: index, as: UInt8.self)
    }

    @inlinable
    public mutating func readVarint() throws(WireError) -> UInt64 {
        let start = pos
        guard pos < end else { throw WireError(.truncatedVarint, offset: start) }
        var b = byte(at: pos)
        pos &+= 1
        if b < 0x80 { return UInt64(b) }
        var value = UInt64(b & 0x7f)
        var shift: UInt64 = 7
        while true {
            guard pos < end else { throw WireError(.truncatedVarint, offset: start) }
            b = byte(at: pos)
            pos &+= 1
            if shift == 63 {
                // 10th byte: only its lowest bit fits in 64 bits, and it must end the varint.
                guard b <= 1 else { throw WireError(.malformedVarint, offset: start) }
                return value | UInt64(b) << 63
            }
            value |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return value }
            shift &+= 7
        }
    }

    @inlinable
    public mutating func readFixed32() throws(WireError) -> UInt32 {
        guard end &- pos >= 4 else {
            throw WireError(.truncated(needed: 4, remaining: end &- pos), offset: pos)
        }
        let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: pos, as: UInt32.self)
        pos &+= 4
        return UInt32(littleEndian: v)
    }

    @inlinable
    public mutating func readFixed64() throws(WireError) -> UInt64 {
        guard end &- pos >= 8 else {
            throw WireError(.truncated(needed: 8, remaining: end &- pos), offset: pos)
        }
        let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
        pos &+= 8
        return UInt64(littleEndian: v)
    }

    /// Reads a length prefix and checks it against the remaining bytes before anyone can
    /// allocate for it: a 2 GB prefix in a 20-byte input fails here.
    @inlinable
    public mutating func readLength() throws(WireError) -> Int {
        let start = pos
        let length = try readVarint()
        let left = end &- pos
        guard length <= UInt64(left) else {
            throw WireError(.lengthExceedsInput(length: length, remaining: left), offset: start)
        }
        return Int(truncatingIfNeeded: length)
    }

    /// Reads the next field key, or nil at the end of the current message.
    @inlinable
    public mutating func nextTag() throws(WireError) -> FieldTag? {
        guard pos < end else { return nil }
        let start = pos
        let key = try readVarint()
        let number = key >> 3
        guard number != 0, number <= UInt64(FieldTag.maxFieldNumber) else {
            throw WireError(.invalidFieldNumber(number), offset: start)
        }
        let raw = UInt8(truncatingIfNeeded: key & 7)
        guard let wireType = WireType(rawValue: raw) else {
            throw WireError(.invalidWireType(raw), offset: start)
        }
        tagOffset = start
        return FieldTag(fieldNumber: Int(truncatingIfNeeded: number), wireType: wireType)
    }

    @inlinable
    func expect(_ tag: FieldTag, _ wireType: WireType) throws(WireError) {
        guard tag.wireType == wireType else {
            throw WireError(.wireTypeMismatch(expected: wireType, actual: tag.wireType), offset: tagOffset)
        }
    }

    // MARK: Skipping

    /// Skips the value of a field this message does not know (any valid wire type).
    @inlinable
    public mutating func skipField(_ tag: FieldTag) throws(WireError) {
        switch tag.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: pos &+= try readLength()
        }
    }
}
