/// Rounding without libm, the one implementation both the engine (sorting on returned values)
/// and the encoders use. `Double.rounded(_:)` calls the C math library (`round`, `trunc`),
/// which every product would then need linked; converting to Int64 truncates in one
/// instruction and the fraction `x - trunc(x)` is exact.
public enum Rounding {
    /// 2^52: from here on every Double is an integer.
    private static let integralFrom: Double = 4_503_599_627_370_496

    /// `x` rounded to an integer, halves away from zero; non-finite values unchanged.
    public static func halfAwayFromZero(_ x: Double) -> Double {
        guard x.isFinite, x.magnitude < integralFrom else { return x }
        let t = Double(Int64(x))
        let fraction = x - t
        if fraction >= 0.5 { return t + 1 }
        if fraction <= -0.5 { return t - 1 }
        return t
    }

    /// An integral `x` as an Int64, or nil when it is out of range or not finite
    /// (`Int64(exactly:)` would call `trunc`).
    public static func int64(_ x: Double) -> Int64? {
        guard x.isFinite, x >= -9_223_372_036_854_775_808.0, x < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(x)
    }

    public static func isIntegral(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        return x.magnitude >= integralFrom || Double(Int64(x)) == x
    }

    /// Rounds to 3 decimals, half away from zero (SPEC §3): what responses carry and what
    /// sorting compares.
    public static func thousandths(_ x: Double) -> Double {
        let scaled = x * 1000
        guard scaled.isFinite else { return x }
        return halfAwayFromZero(scaled) / 1000
    }
}
