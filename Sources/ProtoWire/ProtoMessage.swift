// Hand-written protobuf binary wire format (no code generation, no Foundation).
//
// - Decoding: `ProtoReader` over a borrowed `UnsafeRawBufferPointer`; messages conform to
//   `ProtoMessage` and decode field by field in any order. Entry points:
//   `M(protobufBuffer:)`, `M(protobufBytes:)`, `m.merge(protobufBuffer:)`.
// - Encoding: two passes over `traverseFields` — `ProtoSizer` computes the exact size, then
//   `ProtoWriter` fills one buffer of that size: `m.protobufBytes()` (one allocation) or
//   `m.encode(into:)` for a caller's buffer (e.g. a network buffer), with `m.protobufSize`.
//
// Decisions where protobuf implementations differ:
// - A known field arriving with a wire type its declared type cannot have is an error
//   (`wireTypeMismatch`, naming the field) rather than being kept as an unknown field:
//   the callers are our API clients, and a clear INVALID_ARGUMENT beats a silently
//   ignored value. Repeated varint fields accept both packed and unpacked forms.
// - Groups (wire types 3 and 4) are rejected: proto3 has none, and skipping them needs
//   matching end tags that no client of this API sends.
// - Unknown fields are skipped, not preserved: nothing re-serializes a received message.
// - Varints longer than 10 bytes or above 2^64-1 are errors; int32 takes the low 32 bits of
//   the (sign-extended) 64-bit value, as protoc does.
// - Strings must be valid UTF-8; `bytes` fields are not checked.
// - Messages nest at most `ProtoReader.defaultNestingLimit` (64) levels.
// - Every length is checked against the bytes left in the enclosing message before it is
//   used, and nothing reserves capacity from a count the input claims (a repeated message
//   field is reserved for the elements actually present, each with its own key and length),
//   so memory stays proportional to the input.

/// A message with a hand-written binary codec. Conformers list their fields once, in
/// `traverseFields`, for both the sizing pass and the writing pass, and decode one field at a
/// time in `decodeField` (any order; unknown fields go to `ProtoReader.skipField`).
public protocol ProtoMessage: Sendable {
    init()

    /// Decodes the value of one field onto `self`; an unknown field number must be skipped
    /// with `reader.skipField(tag)`.
    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError)

    /// Visits every field in ascending field-number order (protoc's canonical order).
    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V)

    /// The proto name of a field, for error messages; nil for unknown numbers.
    static func protoFieldName(_ number: Int) -> String?
}

extension ProtoMessage {
    /// Decodes a message from `bytes`. Unknown fields are skipped.
    @inlinable
    public init(protobufBuffer bytes: UnsafeRawBufferPointer,
                nestingLimit: Int = ProtoReader.defaultNestingLimit) throws(WireError) {
        self.init()
        var reader = ProtoReader(bytes, nestingLimit: nestingLimit)
        try reader.merge(into: &self)
    }

    /// Decodes a message from a byte array (or any contiguous collection of bytes).
    @inlinable
    public init<Bytes: Collection<UInt8>>(protobufBytes bytes: Bytes) throws(WireError) {
        let result: Result<Self, WireError> =
            bytes.withContiguousStorageIfAvailable { buffer in
                Result { () throws(WireError) in try Self(protobufBuffer: UnsafeRawBufferPointer(buffer)) }
            } ?? Array(bytes).withUnsafeBytes { buffer in
                Result { () throws(WireError) in try Self(protobufBuffer: buffer) }
            }
        self = try result.get()
    }

    /// Merges the fields in `bytes` into `self` (scalars replaced, repeated appended,
    /// messages merged), which is what decoding two concatenated encodings gives.
    @inlinable
    public mutating func merge(protobufBuffer bytes: UnsafeRawBufferPointer,
                               nestingLimit: Int = ProtoReader.defaultNestingLimit) throws(WireError) {
        var reader = ProtoReader(bytes, nestingLimit: nestingLimit)
        try reader.merge(into: &self)
    }

    /// Exact size of the encoding in bytes.
    @inlinable
    public var protobufSize: Int {
        var sizer = ProtoSizer()
        traverseFields(&sizer)
        return sizer.size
    }

    /// Encodes into one exactly sized array: the size pass runs first, then a single
    /// allocation receives the bytes.
    @inlinable
    public func protobufBytes() -> [UInt8] {
        withSizedEncoder { size, encode in
            [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = encode(UnsafeMutableRawBufferPointer(buffer))
            }
        }
    }

    /// Encodes into a caller-provided buffer (e.g. a network buffer) and returns the number of
    /// bytes written; fails without writing when the buffer is smaller than `protobufSize`.
    @inlinable
    public func encode(into buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let result = withSizedEncoder { size, encode -> Result<Int, WireError> in
            guard size <= buffer.count else {
                return .failure(WireError(.bufferTooSmall(needed: size, available: buffer.count), offset: 0))
            }
            return .success(encode(buffer))
        }
        return try result.get()
    }

    /// Sizes the message once and gives `body` the size and an encoder that writes the message
    /// into a buffer of at least that many bytes, returning the bytes written. For callers that
    /// allocate their own output (a network buffer with a frame header in front): asking
    /// `protobufSize` first and then calling `encode(into:)` would run the size pass twice.
    @inlinable
    public func withSizedEncoder<R>(
        _ body: (_ size: Int, _ encode: (UnsafeMutableRawBufferPointer) -> Int) -> R
    ) -> R {
        withNestedLengths { size, lengths, narrowLengths in
            body(size) { buffer in
                precondition(buffer.count >= size, "encoder given \(buffer.count) bytes for a \(size)-byte message")
                var writer = ProtoWriter(buffer, nestedLengths: lengths, narrowLengths: narrowLengths)
                traverseFields(&writer)
                return writer.offset
            }
        }
    }

    /// Runs the size pass, recording the lengths of the first nested messages in a small stack
    /// buffer, and gives `body` the total size and those lengths. Without them the writer would
    /// size every nested message again at each level above it (a metrics message inside a group
    /// inside a section was sized four times). 128 lengths fill 1 KiB, which the standard library
    /// always places on the stack, so encoding still makes only the allocation of its output.
    /// The next 1,024 nested messages (the elements of a long repeated field, e.g. a batch's
    /// events, mostly short) get a byte each in a second 1 KiB stack buffer; a longer one, or
    /// one past those, is sized again by the writer. (One buffer of over 1 KiB would go to the
    /// heap on Linux.)
    @inlinable
    func withNestedLengths<R>(_ body: (Int, UnsafeBufferPointer<Int>, UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 128) { storage in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { narrow in
                var sizer = ProtoSizer(recordingLengthsInto: storage, narrow: narrow)
                traverseFields(&sizer)
                return body(sizer.size, sizer.recordedLengths, sizer.recordedNarrowLengths)
            }
        }
    }
}
