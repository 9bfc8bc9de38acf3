/// Hand-written protobuf binary wire format (no code generation, no Foundation).
///
/// - Decoding: `ProtoReader` over a borrowed `UnsafeRawBufferPointer`; messages conform to
///   `ProtoMessage` and decode field by field in any order. Entry points:
///   `M(protobufBuffer:)`, `M(protobufBytes:)`, `m.merge(protobufBuffer:)`.
/// - Encoding: two passes over `traverseFields` — `ProtoSizer` computes the exact size, then
///   `ProtoWriter` fills one buffer of that size: `m.protobufBytes()` (one allocation) or
///   `m.encode(into:)` for a caller's buffer (e.g. a network buffer), with `m.protobufSize`.
///
/// Decisions where protobuf implementations differ:
/// - A known field arriving with a wire type its declared type cannot have is an error
///   (`wireTypeMismatch`, naming the field) rather than being kept as an unknown field:
///   the callers are our API clients, and a clear INVALID_ARGUMENT beats a silently
///   ignored value. Repeated varint fields accept both packed and unpacked forms.
/// - Groups (wire types 3 and 4) are rejected: proto3 has none, and skipping them needs
///   matching end tags that no client of this API sends.
/// - Unknown fields are skipped, not preserved: nothing re-serializes a received message.
/// - Varints longer than 10 bytes or above 2^64-1 are errors; int32 takes the low 32 bits of
///   the (sign-extended) 64-bit value, as protoc does.
/// - Strings must be valid UTF-8; `bytes` fields are not checked.
/// - Messages nest at most `ProtoReader.defaultNestingLimit` (64) levels.
/// - Every length is checked against the bytes left in the enclosing message before it is
///   used, and nothing reserves capacity from a count in the input, so memory stays
///   proportional to the input.
public enum ProtoWire {}
