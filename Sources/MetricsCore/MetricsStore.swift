/// Every account's metrics, fully separate. A value type: the server confines it (a
/// `Mutex<MetricsStore>`, an actor, or one `AccountMetrics` per lock).
public struct MetricsStore: Sendable {
    public private(set) var accounts: [String: AccountMetrics] = [:]

    public init() {}

    public mutating func apply(_ event: Event, account: String, now: Int64) -> ApplyOutcome {
        accounts[account, default: AccountMetrics()].apply(event, now: now)
    }

    /// An account never written to answers like an empty one.
    public func query(_ q: MetricsQuery, now: Int64) -> MetricsResult {
        (accounts[q.accountId] ?? AccountMetrics()).query(q, now: now)
    }

    public mutating func prune(now: Int64) {
        for key in accounts.keys { accounts[key]?.prune(now: now) }
    }
}
