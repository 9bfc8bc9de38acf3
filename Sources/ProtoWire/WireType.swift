/// The low three bits of a field key. Groups (3, 4) are proto2-only and deliberately
/// unsupported; 6 and 7 are undefined.
public enum WireType: UInt8, Sendable, Equatable, CustomStringConvertible {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5

    public var description: String {
        switch self {
        case .varint: "0 (varint)"
        case .fixed64: "1 (fixed64)"
        case .lengthDelimited: "2 (length-delimited)"
        case .fixed32: "5 (fixed32)"
        }
    }
}

/// A decoded field key: field number and wire type.
public struct FieldTag: Sendable, Equatable {
    /// Largest field number protobuf allows (2^29 - 1).
    public static let maxFieldNumber = 536_870_911

    public let fieldNumber: Int
    public let wireType: WireType

    public init(fieldNumber: Int, wireType: WireType) {
        self.fieldNumber = fieldNumber
        self.wireType = wireType
    }

    /// The key as written on the wire, `(number << 3) | wireType`.
    @inlinable
    public var rawValue: UInt32 {
        UInt32(truncatingIfNeeded: fieldNumber) << 3 | UInt32(wireType.rawValue)
    }
}
