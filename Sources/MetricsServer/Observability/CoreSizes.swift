import MetricsCore

/// What the core holds, summed over accounts, read at each scrape of `/metrics`.
struct CoreSizes: Sendable, Equatable {
    var accounts = 0
    var agents = 0
    var openConversations = 0
    var buckets = 0

    /// Takes each account's lock briefly (sizes are O(1) to read).
    static func read(_ registry: AccountRegistry) -> CoreSizes {
        var sizes = CoreSizes()
        for id in registry.accountIds {
            let one = registry.write(account: id) { state in
                (state.metrics.agentCount, state.metrics.openConversationCount, state.metrics.bucketCount)
            }
            sizes.accounts += 1
            sizes.agents += one.0
            sizes.openConversations += one.1
            sizes.buckets += one.2
        }
        return sizes
    }
}
