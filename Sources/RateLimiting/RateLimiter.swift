/// Per-caller admission control as a pure state machine: the time is a parameter, so tests
/// can pin the window boundary to the millisecond without sleeping.
///
/// A request is admitted only if both hold: fewer than `maxConcurrent` of the caller's
/// requests are in flight, and fewer than `maxPerMinute` were admitted in the 60 seconds up to
/// and including `now`. Rejections change nothing. Callers with nothing in flight and nothing
/// in the window are forgotten, so state stays bounded by the active callers.
public struct RateLimiter: Sendable {
    /// Hint for concurrency rejections: when a slot frees up is not knowable in advance.
    public static let concurrencyRetryHintMs: Int64 = 100

    struct CallerState: Sendable {
        var inFlight = 0
        var window = SlidingWindow()
    }

    private var callers: [CallerKey: CallerState] = [:]
    private var sweepAt = 1024
    private var lastSweep: Int64 = 0

    public init() {}

    public var trackedCallers: Int { callers.count }

    public mutating func acquire(_ key: CallerKey, limits: RateLimits, now: Int64) -> RateLimitDecision {
        var decision = RateLimitDecision.admitted
        withState(key, now: now) { state in
            state.window.expire(now: now)
            if state.inFlight >= limits.maxConcurrent {
                decision = .rejected(.concurrency, retryAfterMs: RateLimiter.concurrencyRetryHintMs)
            } else if state.window.total >= limits.maxPerMinute {
                decision = .rejected(.rate, retryAfterMs: state.window.msUntilOldestExpires(now: now))
            } else {
                state.inFlight += 1
                state.window.record(now: now)
            }
        }
        return decision
    }

    /// Ends one admitted request (success, error, cancel or disconnect alike).
    public mutating func release(_ key: CallerKey, now: Int64) {
        withState(key, now: now) { state in
            if state.inFlight > 0 { state.inFlight -= 1 }
            state.window.expire(now: now)
        }
    }

    public func inFlight(_ key: CallerKey) -> Int { callers[key]?.inFlight ?? 0 }

    private mutating func withState(_ key: CallerKey, now: Int64, _ body: (inout CallerState) -> Void) {
        // One in-place lookup on the hot path; a second only when the caller becomes idle.
        if RateLimiter.mutate(&callers[key, default: CallerState()], body) {
            callers.removeValue(forKey: key)
        }
        if callers.count >= sweepAt || (now &- lastSweep >= SlidingWindow.lengthMs && callers.count > 64) {
            sweep(now: now)
        }
    }

    /// Applies `body` and tells whether the caller is now idle (forgettable).
    private static func mutate(_ state: inout CallerState, _ body: (inout CallerState) -> Void) -> Bool {
        body(&state)
        return state.inFlight == 0 && state.window.isEmpty
    }

    /// Forgets callers whose window emptied without a request touching them. Amortised: runs
    /// when the table has doubled since the last sweep, and at least once a minute, so the table
    /// holds at most about twice the callers of the last two minutes.
    private mutating func sweep(now: Int64) {
        var kept: [CallerKey: CallerState] = [:]
        for (key, var state) in callers {
            state.window.expire(now: now)
            if state.inFlight > 0 || !state.window.isEmpty { kept[key] = state }
        }
        callers = kept
        lastSweep = now
        sweepAt = max(1024, kept.count * 2)
    }
}
