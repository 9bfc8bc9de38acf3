/// The `grpc-timeout` header: 1 to 8 ASCII digits and a unit (H, M, S, m, u, n).
enum GRPCTimeout {
    /// Nanoseconds, or nil when the value is malformed (the caller answers INVALID_ARGUMENT... or
    /// ignores it; see docs/api.md).
    static func parse(_ value: some StringProtocol) -> Int64? {
        let bytes = Array(value.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: Int64 = 0
        for b in bytes.dropLast() {
            guard b >= 0x30, b <= 0x39 else { return nil }
            amount = amount * 10 + Int64(b - 0x30)
        }
        // 8 digits at most, so the hour case (99,999,999 h) is the only one that can pass Int64
        // nanoseconds; saturate instead of trapping.
        let (nanos, overflow): (Int64, Bool)
        switch unit {
        case UInt8(ascii: "H"): (nanos, overflow) = amount.multipliedReportingOverflow(by: 3_600_000_000_000)
        case UInt8(ascii: "M"): (nanos, overflow) = amount.multipliedReportingOverflow(by: 60_000_000_000)
        case UInt8(ascii: "S"): (nanos, overflow) = amount.multipliedReportingOverflow(by: 1_000_000_000)
        case UInt8(ascii: "m"): (nanos, overflow) = (amount * 1_000_000, false)
        case UInt8(ascii: "u"): (nanos, overflow) = (amount * 1_000, false)
        case UInt8(ascii: "n"): (nanos, overflow) = (amount, false)
        default: return nil
        }
        return overflow ? .max : nanos
    }
}
