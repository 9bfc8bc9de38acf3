/// The two limits of one caller (SPEC §5): requests in flight at once, and requests admitted
/// in any sliding 60-second window.
public struct RateLimits: Sendable, Equatable, Hashable {
    public var maxConcurrent: Int
    public var maxPerMinute: Int

    public static let `default` = RateLimits(maxConcurrent: 4, maxPerMinute: 300)

    public init(maxConcurrent: Int, maxPerMinute: Int) {
        self.maxConcurrent = maxConcurrent
        self.maxPerMinute = maxPerMinute
    }
}

/// Who a limit applies to: one user on one account.
public struct CallerKey: Sendable, Hashable {
    public var account: String
    public var user: String
    public init(account: String, user: String) {
        self.account = account
        self.user = user
    }
}

public enum RateLimitDecision: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        case concurrency = "concurrent"
        case rate = "per_minute"
    }

    /// Admitted: the caller must release exactly once, whatever the outcome of the request.
    case admitted
    /// Rejected without side effects; `retryAfterMs` says when a request would be admitted
    /// (for concurrency that is unknowable, so it is a short fixed hint).
    case rejected(Reason, retryAfterMs: Int64)
}
