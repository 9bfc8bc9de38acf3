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
    public let account: String
    public let user: String
    /// FNV-1a of the two, made once: it picks the limiter shard on acquire and on release.
    let spread: UInt64

    public init(account: String, user: String) {
        self.account = account
        self.user = user
        spread = Self.fnv1a(account, user)
    }

    /// FNV-1a over the UTF-8 of `account`, a 0xff separator (never in UTF-8, so ("ab", "c")
    /// and ("a", "bc") differ), then `user`.
    static func fnv1a(_ account: String, _ user: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        mix(account)
        h = (h ^ 0xff) &* 0x100_0000_01b3
        mix(user)
        return h
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
