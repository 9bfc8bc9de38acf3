/// Typed field decoders. Each checks the wire type against the field's declared type, so a
/// sender that disagrees with the contract gets an error naming the field, not a silent skip.
/// Scalars: the last value on the wire wins. Repeated scalars: packed and unpacked both accepted.
extension ProtoReader {
    @inlinable
    public mutating func decodeUInt64(_ tag: FieldTag) throws(WireError) -> UInt64 {
        try expect(tag, .varint)
        return try readVarint()
    }

    @inlinable
    public mutating func decodeInt64(_ tag: FieldTag) throws(WireError) -> Int64 {
        try expect(tag, .varint)
        return Int64(bitPattern: try readVarint())
    }

    /// int32 is sent sign-extended to 64 bits; the low 32 bits are the value (as protoc does).
    @inlinable
    public mutating func decodeInt32(_ tag: FieldTag) throws(WireError) -> Int32 {
        try expect(tag, .varint)
        return Int32(truncatingIfNeeded: try readVarint())
    }

    @inlinable
    public mutating func decodeUInt32(_ tag: FieldTag) throws(WireError) -> UInt32 {
        try expect(tag, .varint)
        return UInt32(truncatingIfNeeded: try readVarint())
    }

    @inlinable
    public mutating func decodeSInt64(_ tag: FieldTag) throws(WireError) -> Int64 {
        try expect(tag, .varint)
        return ZigZag.decoded(try readVarint())
    }

    @inlinable
    public mutating func decodeSInt32(_ tag: FieldTag) throws(WireError) -> Int32 {
        try expect(tag, .varint)
        return ZigZag.decoded(UInt32(truncatingIfNeeded: try readVarint()))
    }

    @inlinable
    public mutating func decodeBool(_ tag: FieldTag) throws(WireError) -> Bool {
        try expect(tag, .varint)
        return try readVarint() != 0
    }

    @inlinable
    public mutating func decodeDouble(_ tag: FieldTag) throws(WireError) -> Double {
        try expect(tag, .fixed64)
        return Double(bitPattern: try readFixed64())
    }

    @inlinable
    public mutating func decodeFloat(_ tag: FieldTag) throws(WireError) -> Float {
        try expect(tag, .fixed32)
        return Float(bitPattern: try readFixed32())
    }

    @inlinable
    public mutating func decodeString(_ tag: FieldTag) throws(WireError) -> String {
        try expect(tag, .lengthDelimited)
        return try readString(length: try readLength())
    }

    /// Decodes a string field whose values usually come from a small fixed set (such as an event
    /// type). A value equal to one of `known` is returned as that string, sharing its storage:
    /// a value longer than 15 bytes does not fit inline in a String, so a copy would allocate.
    @inlinable
    public mutating func decodeString(_ tag: FieldTag, preferring known: ProtoInternedStrings) throws(WireError) -> String {
        try expect(tag, .lengthDelimited)
        let length = try readLength()
        if let string = known.string(matching: UnsafeRawBufferPointer(start: base.map { $0 + pos }, count: length)) {
            pos &+= length
            return string
        }
        return try readString(length: length)
    }

    /// The string in the next `length` bytes (already checked against the input), validated as
    /// UTF-8.
    @inlinable
    mutating func readString(length: Int) throws(WireError) -> String {
        if length == 0 { return "" }
        let start = pos
        let bytes = UnsafeBufferPointer(
            start: (base.unsafelyUnwrapped + start).assumingMemoryBound(to: UInt8.self), count: length)
        let string: String
        if Self.isASCII(bytes) {
            // ASCII is valid UTF-8 as is: copy without the general validator (ids, names).
            string = String(unsafeUninitializedCapacity: length) { target in
                _ = target.initialize(fromContentsOf: bytes)
                return length
            }
        } else {
            guard let validated = String(validating: bytes, as: UTF8.self) else {
                throw WireError(.invalidUTF8, offset: start)
            }
            string = validated
        }
        pos &+= length
        return string
    }

    /// True when no byte has its high bit set, checked eight bytes at a time.
    @inlinable
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        var i = 0
        var accumulated: UInt64 = 0
        while i &+ 8 <= raw.count {
            accumulated |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        while i < raw.count {
            accumulated |= UInt64(raw[i])
            i &+= 1
        }
        return accumulated & 0x8080_8080_8080_8080 == 0
    }

    @inlinable
    public mutating func decodeBytes(_ tag: FieldTag) throws(WireError) -> [UInt8] {
        try expect(tag, .lengthDelimited)
        let length = try readLength()
        let bytes = UnsafeRawBufferPointer(start: base.map { $0 + pos }, count: length)
        pos &+= length
        return [UInt8](bytes)
    }

    /// Appends one string of a `repeated string` field.
    @inlinable
    public mutating func decodeRepeatedString(_ tag: FieldTag, into values: inout [String]) throws(WireError) {
        let value = try decodeString(tag)
        Self.reserveForList(&values)
        values.append(value)
    }

    /// Room for four at the first element: request lists (metric names, ids) mostly hold two
    /// to eight, and growing 1 → 2 → 4 cost an allocation and a copy per step. Four elements
    /// for an element's few input bytes keeps memory proportional to the input.
    @inlinable
    static func reserveForList(_ values: inout [String]) {
        if values.isEmpty && values.capacity == 0 { values.reserveCapacity(4) }
    }

    /// Appends to a repeated string field whose values usually come from `known`.
    @inlinable
    public mutating func decodeRepeatedString(
        _ tag: FieldTag, into values: inout [String], preferring known: ProtoInternedStrings
    ) throws(WireError) {
        let value = try decodeString(tag, preferring: known)
        Self.reserveForList(&values)
        values.append(value)
    }

    /// Appends to a repeated varint field, packed (one length-delimited run) or not (one value
    /// per key). The array grows with what is actually decoded: each element costs at least one
    /// input byte, so memory stays proportional to the input.
    @inlinable
    public mutating func decodeRepeatedVarint(_ tag: FieldTag, into values: inout [UInt64]) throws(WireError) {
        try forEachVarint(tag) { values.append($0) }
    }

    @inlinable
    public mutating func decodeRepeatedInt64(_ tag: FieldTag, into values: inout [Int64]) throws(WireError) {
        try forEachVarint(tag) { values.append(Int64(bitPattern: $0)) }
    }

    @inlinable
    public mutating func decodeRepeatedInt32(_ tag: FieldTag, into values: inout [Int32]) throws(WireError) {
        try forEachVarint(tag) { values.append(Int32(truncatingIfNeeded: $0)) }
    }

    @inlinable
    mutating func forEachVarint(_ tag: FieldTag, _ body: (UInt64) -> Void) throws(WireError) {
        switch tag.wireType {
        case .varint:
            body(try readVarint())
        case .lengthDelimited:
            let length = try readLength()
            let savedEnd = end
            end = pos &+ length
            while pos < end { body(try readVarint()) }
            end = savedEnd
        default:
            throw WireError(.wireTypeMismatch(expected: .varint, actual: tag.wireType), offset: tagOffset)
        }
    }

    // MARK: Messages

    /// Decodes a singular message field, merging into an earlier occurrence (proto semantics:
    /// a message field that appears twice is the merge of both).
    @inlinable
    public mutating func decodeMessage<M: ProtoMessage>(_ tag: FieldTag, into value: inout M?) throws(WireError) {
        var message = value ?? M()
        value = nil  // drop the second reference so merging does not copy arrays
        try decodeNested(tag, into: &message)
        value = message
    }

    /// Appends one element of a repeated message field. It is decoded in place, in the array:
    /// decoding into a local and appending it copied every string and array of the message once
    /// more (a retain and a release each). On failure the partial element is removed.
    ///
    /// At the first element the array is sized for every element of the field left in the
    /// message (`elementCount`), so a batch of 1000 events is one allocation instead of growing
    /// 1, 2, 4, ... 1024 and moving all the elements at each step.
    @inlinable
    public mutating func decodeRepeatedMessage<M: ProtoMessage>(_ tag: FieldTag, into values: inout [M]) throws(WireError) {
        if values.capacity == 0 { values.reserveCapacity(elementCount(of: tag)) }
        values.append(M())
        do throws(WireError) {
            try decodeNested(tag, into: &values[values.count &- 1])
        } catch {
            values.removeLast()
            throw error
        }
    }

    /// How many elements of the repeated field whose key `tag` was just read are left in the
    /// current message: this one and each later field with its number and wire type, found by
    /// stepping over keys and length prefixes without decoding anything. Each counted element
    /// has its own key and length in the input, so reserving this many keeps memory
    /// proportional to the input (as appending them would). Counting stops at the first key or
    /// length that is malformed; the decoding pass reports it.
    @inlinable
    func elementCount(of tag: FieldTag) -> Int {
        guard tag.wireType == .lengthDelimited else { return 1 }
        var r = self
        guard let first = try? r.readLength() else { return 1 }
        r.pos &+= first
        var count = 1
        while r.pos < r.end {
            guard let next = try? r.nextTag() else { break }
            if next.fieldNumber == tag.fieldNumber && next.wireType == .lengthDelimited {
                guard let length = try? r.readLength() else { break }
                r.pos &+= length
                count &+= 1
            } else {
                guard (try? r.skipField(next)) != nil else { break }
            }
        }
        return count
    }

    @inlinable
    mutating func decodeNested<M: ProtoMessage>(_ tag: FieldTag, into message: inout M) throws(WireError) {
        try expect(tag, .lengthDelimited)
        let length = try readLength()
        guard depth < nestingLimit else {
            throw WireError(.nestingTooDeep(limit: nestingLimit), offset: pos)
        }
        let savedEnd = end
        end = pos &+ length
        depth &+= 1
        try merge(into: &message)
        depth &-= 1
        end = savedEnd
    }

    /// Decodes fields until the end of the current message, onto `message`. Errors get the
    /// field's number and name attached on the way out.
    @inlinable
    public mutating func merge<M: ProtoMessage>(into message: inout M) throws(WireError) {
        while let tag = try nextTag() {
            do throws(WireError) {
                try message.decodeField(tag, from: &self)
            } catch {
                var annotated = error
                annotated.prependField(number: tag.fieldNumber, name: M.protoFieldName(tag.fieldNumber))
                throw annotated
            }
        }
    }
}
