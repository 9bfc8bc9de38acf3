/// Ordering and rounding rules shared by sorting and the encoders (SPEC §3 "Key order",
/// "Doubles sort on their rounded (returned) value; rounding is half away from zero").
public enum KeyOrder {
    /// The value of a key made of 1–18 ASCII decimal digits, else nil.
    static func numericValue(_ key: String) -> UInt64? {
        var v: UInt64 = 0
        var n = 0
        for b in key.utf8 {
            guard b >= 0x30 && b <= 0x39, n < 18 else { return nil }
            v = v * 10 + UInt64(b - 0x30)
            n += 1
        }
        return n == 0 ? nil : v
    }

    /// Numeric keys first in numeric order, then the others in byte order. Equal numbers with
    /// different spellings ("7", "007") fall back to byte order, so the order is total.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        precedes(a, numericValue(a), b, numericValue(b))
    }

    /// `precedes` given each key's `numericValue`: a sort works them out once per key instead
    /// of at every comparison (that parsing was half of a 1,000-key sort).
    static func precedes(_ a: String, _ numericA: UInt64?, _ b: String, _ numericB: UInt64?) -> Bool {
        switch (numericA, numericB) {
        case let (x?, y?):
            if x != y { return x < y }
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }
}

extension MetricValue {
    /// A double rounded to 3 decimals, half away from zero: the value responses carry.
    public static func rounded3(_ x: Double) -> Double {
        Rounding.thousandths(x)
    }

    /// The value sorting compares: counts as is, doubles rounded to 3 decimals.
    var sortValue: Double {
        switch self {
        case let .count(n): return Double(n)
        case let .double(d): return MetricValue.rounded3(d)
        }
    }
}
