import MetricsCore

/// What the core holds, summed over accounts, read at each scrape of `/metrics`.
struct CoreSizes: Sendable, Equatable {
    var accounts = 0
    var agents = 0
    var openConversations = 0
    var buckets = 0

    /// Takes each account's shared (reader) lock, so a scrape never blocks queries.
    static func read(_ registry: AccountRegistry) -> CoreSizes {
        var sizes = CoreSizes()
        for id in registry.accountIds {
            guard let one = registry.read(account: id, { state in
                (state.metrics.agentCount, state.metrics.openConversationCount, state.metrics.bucketCount)
            }) else { continue }
            sizes.accounts += 1
            sizes.agents += one.0
            sizes.openConversations += one.1
            sizes.buckets += one.2
        }
        return sizes
    }
}
