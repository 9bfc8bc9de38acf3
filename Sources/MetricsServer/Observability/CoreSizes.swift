import MetricsCore
import Prometheus

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

/// The gauges `/metrics` shows for the running server: connections, health, core sizes.
struct ServerGauges: Sendable {
    let connections: Gauge
    let serving: Gauge
    let accounts: Gauge
    let agents: Gauge
    let conversations: Gauge
    let buckets: Gauge

    init(_ registry: PrometheusCollectorRegistry) {
        connections = registry.makeGauge(descriptor: .named("metricsd_open_connections", "Client connections open (HTTP/2 and HTTP/1.1)."))
        serving = registry.makeGauge(descriptor: .named("metricsd_serving", "1 while health is SERVING, 0 once shutdown began."))
        accounts = registry.makeGauge(descriptor: .named("metricsd_core_accounts", "Accounts the core holds."))
        agents = registry.makeGauge(descriptor: .named("metricsd_core_agents", "Agents known to the core, over all accounts."))
        conversations = registry.makeGauge(descriptor: .named("metricsd_core_open_conversations", "Open conversations in the core, over all accounts."))
        buckets = registry.makeGauge(descriptor: .named("metricsd_core_buckets", "Per-minute series buckets kept for by-time metrics, over all accounts."))
    }

    func set(connections: Int, serving: Bool, sizes: CoreSizes) {
        self.connections.set(Int64(connections))
        self.serving.set(Int64(serving ? 1 : 0))
        accounts.set(Int64(sizes.accounts))
        agents.set(Int64(sizes.agents))
        conversations.set(Int64(sizes.openConversations))
        buckets.set(Int64(sizes.buckets))
    }
}
