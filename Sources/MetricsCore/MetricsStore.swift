/// Every account's metrics, fully separate. A value type: the server confines it (a
/// `Mutex<MetricsStore>`, an actor, or one `AccountMetrics` per lock).
public struct MetricsStore: Sendable {
    public private(set) var accounts: [String: AccountMetrics] = [:]

    /// The seed of every account's id indexes (`AccountMetrics.init(hashSeed:)`); nil for
    /// the standard library's per-process seed.
    private let hashSeed: UInt64?

    public init(hashSeed: UInt64? = nil) { self.hashSeed = hashSeed }

    public mutating func apply(_ event: Event, account: String, now: Int64) -> ApplyOutcome {
        accounts[account, default: hashSeed.map(AccountMetrics.init(hashSeed:)) ?? AccountMetrics()]
            .apply(event, now: now)
    }

    /// An account never written to answers like an empty one.
    public func query(_ q: MetricsQuery, now: Int64) -> MetricsResult {
        (accounts[q.accountId] ?? AccountMetrics()).query(q, now: now)
    }

    public mutating func prune(now: Int64) {
        for key in accounts.keys { accounts[key]?.prune(now: now) }
    }
}
