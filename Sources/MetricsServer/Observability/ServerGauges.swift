import Prometheus

/// The gauges `/metrics` shows for the running server: connections, health, core sizes.
struct ServerGauges: Sendable {
    let connections: Gauge
    let serving: Gauge
    let accounts: Gauge
    let agents: Gauge
    let conversations: Gauge
    let buckets: Gauge

    init(_ registry: PrometheusCollectorRegistry) {
        func gauge(_ name: String, _ help: String) -> Gauge { registry.makeGauge(descriptor: .named(name, help)) }
        connections = gauge("metricsd_open_connections", "Client connections open (HTTP/2 and HTTP/1.1).")
        serving = gauge("metricsd_serving", "1 while health is SERVING, 0 once shutdown began.")
        accounts = gauge("metricsd_core_accounts", "Accounts the core holds.")
        agents = gauge("metricsd_core_agents", "Agents known to the core, over all accounts.")
        conversations = gauge("metricsd_core_open_conversations", "Open conversations in the core, over all accounts.")
        buckets = gauge("metricsd_core_buckets", "Per-minute series buckets kept for by-time metrics, over all accounts.")
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
