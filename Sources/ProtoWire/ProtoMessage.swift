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
        let size = protobufSize
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var writer = ProtoWriter(UnsafeMutableRawBufferPointer(buffer))
            traverseFields(&writer)
            count = writer.offset
        }
    }

    /// Encodes into a caller-provided buffer (e.g. a network buffer) and returns the number of
    /// bytes written; fails without writing when the buffer is smaller than `protobufSize`.
    @inlinable
    public func encode(into buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let size = protobufSize
        guard size <= buffer.count else {
            throw WireError(.bufferTooSmall(needed: size, available: buffer.count), offset: 0)
        }
        var writer = ProtoWriter(buffer)
        traverseFields(&writer)
        return writer.offset
    }
}
