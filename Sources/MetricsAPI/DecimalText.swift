/// Integers in decimal without a `String` per number: the digits are written backwards into a
/// stack buffer (links, the `&limit=` of links, JSON numbers all need this on every answer).
enum DecimalText {
    /// Writes `value` in decimal so that it ends at the end of `out` (at least 20 bytes: the
    /// length of `Int64.min`); returns where it starts.
    static func write(_ value: Int64, endingAt out: UnsafeMutableRawBufferPointer) -> Int {
        var magnitude = value.magnitude
        var at = out.count
        repeat {
            at -= 1
            out[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            at -= 1
            out[at] = UInt8(ascii: "-")
        }
        return at
    }

    /// `body` gets the decimal text of `value`, valid only during the call.
    static func withDigits<R>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var room: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &room) { out in
            let start = write(value, endingAt: out)
            return body(UnsafeRawBufferPointer(rebasing: out[start...]))
        }
    }
}
