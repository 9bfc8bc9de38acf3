/// What a message's `traverseFields` talks to. The sizer and the writer implement the few
/// primitive `emit…` methods; the proto3 presence rules live once, in the extension below, so
/// the size pass and the write pass cannot disagree about which fields are present.
public protocol ProtoFieldVisitor {
    /// Emits a varint field unconditionally.
    mutating func emitVarint(_ value: UInt64, field: Int)
    /// Emits a fixed64 field (double, fixed64, sfixed64) unconditionally.
    mutating func emitFixed64(_ value: UInt64, field: Int)
    /// Emits a fixed32 field (float, fixed32, sfixed32) unconditionally.
    mutating func emitFixed32(_ value: UInt32, field: Int)
    /// Emits a length-delimited string field unconditionally.
    mutating func emitString(_ value: String, field: Int)
    /// Emits a length-delimited bytes field unconditionally.
    mutating func emitBytes(_ value: [UInt8], field: Int)
    /// Emits a nested message, even an empty one (length 0).
    mutating func emitMessage<M: ProtoMessage>(_ value: M, field: Int)
    /// Emits a packed repeated varint field (nothing when empty).
    mutating func emitPackedVarints(_ values: [UInt64], field: Int)
}

extension ProtoFieldVisitor {
    // proto3 implicit presence: the default value is not written.

    @inlinable public mutating func visitInt64(_ value: Int64, field: Int) {
        if value != 0 { emitVarint(UInt64(bitPattern: value), field: field) }
    }

    /// int32 is sign-extended, so negatives take 10 bytes, as protoc writes them.
    @inlinable public mutating func visitInt32(_ value: Int32, field: Int) {
        if value != 0 { emitVarint(UInt64(bitPattern: Int64(value)), field: field) }
    }

    @inlinable public mutating func visitUInt64(_ value: UInt64, field: Int) {
        if value != 0 { emitVarint(value, field: field) }
    }

    @inlinable public mutating func visitSInt64(_ value: Int64, field: Int) {
        if value != 0 { emitVarint(ZigZag.encoded(value), field: field) }
    }

    @inlinable public mutating func visitBool(_ value: Bool, field: Int) {
        if value { emitVarint(1, field: field) }
    }

    /// A double is default when its bit pattern is zero (so -0.0 is written, as protoc does).
    @inlinable public mutating func visitDouble(_ value: Double, field: Int) {
        if value.bitPattern != 0 { emitFixed64(value.bitPattern, field: field) }
    }

    @inlinable public mutating func visitString(_ value: String, field: Int) {
        if !value.isEmpty { emitString(value, field: field) }
    }

    @inlinable public mutating func visitBytes(_ value: [UInt8], field: Int) {
        if !value.isEmpty { emitBytes(value, field: field) }
    }

    // proto3 `optional` and message fields: written whenever present, even when zero/empty.

    @inlinable public mutating func visitOptionalInt64(_ value: Int64?, field: Int) {
        if let value { emitVarint(UInt64(bitPattern: value), field: field) }
    }

    @inlinable public mutating func visitOptionalInt32(_ value: Int32?, field: Int) {
        if let value { emitVarint(UInt64(bitPattern: Int64(value)), field: field) }
    }

    @inlinable public mutating func visitOptionalBool(_ value: Bool?, field: Int) {
        if let value { emitVarint(value ? 1 : 0, field: field) }
    }

    @inlinable public mutating func visitOptionalDouble(_ value: Double?, field: Int) {
        if let value { emitFixed64(value.bitPattern, field: field) }
    }

    @inlinable public mutating func visitOptionalString(_ value: String?, field: Int) {
        if let value { emitString(value, field: field) }
    }

    @inlinable public mutating func visitMessage<M: ProtoMessage>(_ value: M?, field: Int) {
        if let value { emitMessage(value, field: field) }
    }

    // Repeated: strings and messages one key per element; scalars packed (proto3 default).

    @inlinable public mutating func visitRepeatedString(_ values: [String], field: Int) {
        for value in values { emitString(value, field: field) }
    }

    @inlinable public mutating func visitRepeatedMessage<M: ProtoMessage>(_ values: [M], field: Int) {
        for value in values { emitMessage(value, field: field) }
    }

    @inlinable public mutating func visitRepeatedInt64(_ values: [Int64], field: Int) {
        emitPackedVarints(values.map { UInt64(bitPattern: $0) }, field: field)
    }
}
