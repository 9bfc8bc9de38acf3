/// A decoding or encoding failure, as a value: what went wrong, where in the input, and in
/// which field. `description` is written for the person who sent the bytes, because the gRPC
/// front returns it as `grpc-message`.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The input ended inside a varint.
        case truncatedVarint
        /// A varint longer than 10 bytes, or whose 10th byte carries bits above 2^64.
        case malformedVarint
        /// The input ended inside a fixed32/fixed64 value (`needed` bytes, `remaining` left).
        case truncated(needed: Int, remaining: Int)
        /// A length prefix larger than what is left of the enclosing message.
        case lengthExceedsInput(length: UInt64, remaining: Int)
        /// Field number 0 or above 2^29-1.
        case invalidFieldNumber(UInt64)
        /// Wire type 3/4 (groups, not supported) or 6/7 (undefined).
        case invalidWireType(UInt8)
        /// A known field arrived with a wire type its type cannot have.
        case wireTypeMismatch(expected: WireType, actual: WireType)
        /// A string field whose bytes are not valid UTF-8.
        case invalidUTF8
        /// Messages nested deeper than `limit`.
        case nestingTooDeep(limit: Int)
        /// A caller-provided output buffer smaller than the encoding.
        case bufferTooSmall(needed: Int, available: Int)
    }

    public var kind: Kind
    /// Byte offset in the outermost input where the problem starts.
    public var offset: Int
    /// The innermost field being decoded, when known.
    public var fieldNumber: Int?
    /// Dotted path from the outermost message to that field (e.g. `filters.time.from_ms`);
    /// a field whose name is not known (an unknown field) appears as its number.
    public var fieldPath: String?

    public init(_ kind: Kind, offset: Int, fieldNumber: Int? = nil, fieldPath: String? = nil) {
        self.kind = kind
        self.offset = offset
        self.fieldNumber = fieldNumber
        self.fieldPath = fieldPath
    }

    public var description: String {
        var text = ""
        if let fieldNumber {
            text += "field \(fieldNumber)"
            if let fieldPath, fieldPath != String(fieldNumber) { text += " (\(fieldPath))" }
            text += ": "
        }
        switch kind {
        case .truncatedVarint:
            text += "truncated varint"
        case .malformedVarint:
            text += "malformed varint (longer than 10 bytes or above 2^64-1)"
        case .truncated(let needed, let remaining):
            text += "truncated value: needs \(needed) bytes, \(remaining) remaining"
        case .lengthExceedsInput(let length, let remaining):
            text += "length \(length) exceeds remaining \(remaining) bytes"
        case .invalidFieldNumber(let number):
            text += "invalid field number \(number)"
        case .invalidWireType(let raw):
            text += raw == 3 || raw == 4
                ? "unsupported wire type \(raw) (groups)" : "invalid wire type \(raw)"
        case .wireTypeMismatch(let expected, let actual):
            text += "expected wire type \(expected), got \(actual)"
        case .invalidUTF8:
            text += "string is not valid UTF-8"
        case .nestingTooDeep(let limit):
            text += "messages nested deeper than \(limit) levels"
        case .bufferTooSmall(let needed, let available):
            text += "output buffer too small: needs \(needed) bytes, has \(available)"
            return text
        }
        text += " at offset \(offset)"
        return text
    }

    /// Adds the name of the field that contains the failing one, outermost last: decoding
    /// unwinds from the inside out, so each enclosing message prepends its own field name.
    @usableFromInline
    mutating func prependField(number: Int, name: String?) {
        let component = name ?? String(number)
        if fieldNumber == nil {
            fieldNumber = number
            fieldPath = component
        } else {
            fieldPath = component + "." + (fieldPath ?? "")
        }
    }
}
