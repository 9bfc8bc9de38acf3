/// Base-128 varints: sizes and the byte layout shared by the sizer and the writer.
public enum Varint {
    /// Longest legal varint: 64 bits in 7-bit groups.
    public static let maxLength = 10

    /// Number of bytes `value` takes as a varint (1...10).
    @inlinable
    public static func encodedSize(of value: UInt64) -> Int {
        // 1 byte per started 7-bit group; value 0 still takes one byte.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    @inlinable
    public static func encodedSize(of value: UInt32) -> Int {
        encodedSize(of: UInt64(value))
    }

    /// int32 and int64 are sign-extended to 64 bits, so a negative value always takes 10 bytes.
    @inlinable
    public static func encodedSize(of value: Int64) -> Int {
        encodedSize(of: UInt64(bitPattern: value))
    }

    @inlinable
    public static func encodedSize(of value: Int32) -> Int {
        encodedSize(of: UInt64(bitPattern: Int64(value)))
    }

    /// Encodes `value` into a fresh array (tests and small callers; the writer encodes in place).
    public static func encode(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
        return bytes
    }

    /// Decodes one varint at the start of `bytes`; returns the value and the bytes it used.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> (value: UInt64, length: Int) {
        var reader = ProtoReader(bytes)
        let value = try reader.readVarint()
        return (value, reader.offset)
    }

    /// Decodes one varint at the start of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> (value: UInt64, length: Int) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WireError) in try decode(buffer) }
        }
        return try result.get()
    }
}
