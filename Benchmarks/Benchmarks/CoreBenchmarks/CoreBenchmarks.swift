import Benchmark
import MetricsCore

/// The production-size account of SPEC's scale (20,000 agents, 2,000 groups of depth 6,
/// 1,000 skills, 2 M conversations, ~25 M events over 24 h), built once per process and
/// shared by the query benchmarks.
struct ProductionAccount: Sendable {
    static let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    static let shared = ProductionAccount()

    let account: AccountMetrics
    let now: Int64
    let events: Int
    let buildSeconds: Double
    /// A root group whose subtree holds about 200 agents, and the groups of that subtree.
    let dashboardGroups: Set<String>
    let dashboardAgents: Int

    init() {
        var sim = Simulator(seed: 42, config: .production(startMs: Self.start))
        var account = AccountMetrics()
        var parent: [String: String] = [:]
        var agentGroup: [String: String] = [:]
        var n = 0
        var last: Int64 = Self.start
        let clock = ContinuousClock()
        let began = clock.now
        while let e = sim.next() {
            switch e.kind {
            case let .agentGroupUpserted(g, _, p): if let p { parent[g] = p }
            case let .agentUpserted(a, _, _, g, _, _): agentGroup[a] = g
            default: break
            }
            _ = account.apply(e, now: e.time)
            last = e.time
            n += 1
        }
        let elapsed = clock.now - began
        account.prune(now: last)
        self.account = account
        self.now = last
        self.events = n
        self.buildSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18

        // Subtree sizes at the end of the stream; pick the subtree closest to 200 agents.
        func root(_ g: String) -> [String] {
            var chain = [g]
            var cur = g
            while let p = parent[cur], chain.count < 100 { chain.append(p); cur = p }
            return chain
        }
        var agentsUnder: [String: Int] = [:]
        for g in agentGroup.values { for a in root(g) { agentsUnder[a, default: 0] += 1 } }
        let best = agentsUnder.min { abs($0.value - 200) < abs($1.value - 200) || (abs($0.value - 200) == abs($1.value - 200) && $0.key < $1.key) }
        let top = best?.key ?? ""
        var groups: Set<String> = [top]
        for g in Set(parent.keys).union(agentGroup.values) where root(g).contains(top) { groups.insert(g) }
        dashboardGroups = groups
        dashboardAgents = best?.value ?? 0
        print("production account: \(n) events applied in \(buildSeconds) s (\(Int(Double(n) / buildSeconds)) events/s including simulation); dashboard subtree \(top): \(groups.count) groups, \(dashboardAgents) agents")
    }
}

/// The first events of the production stream, pre-generated so that only `apply` is timed.
enum ApplyInput {
    static let count = 1_000_000
    static let events: [Event] = {
        var sim = Simulator(seed: 42, config: .production(startMs: ProductionAccount.start))
        var out: [Event] = []
        out.reserveCapacity(count)
        while out.count < count, let e = sim.next() { out.append(e) }
        return out
    }()
}

let benchmarks: @Sendable () -> Void = {
    let queryConfig = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .microseconds, warmupIterations: 5, maxDuration: .seconds(10), maxIterations: 2_000)

    Benchmark(
        "apply 1M production events (fresh account)",
        configuration: .init(
            metrics: [.wallClock, .throughput, .peakMemoryResident], timeUnits: .milliseconds,
            warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10)
    ) { benchmark in
        let events = ApplyInput.events
        benchmark.startMeasurement()
        var account = AccountMetrics()
        for e in events { blackHole(account.apply(e, now: e.time)) }
        benchmark.stopMeasurement()
        blackHole(account)
    }

    Benchmark("dashboard query: ~200-agent subtree, all metrics, 24 h", configuration: queryConfig) { benchmark in
        let p = ProductionAccount.shared
        let q = MetricsQuery(
            accountId: "prod", fromMs: p.now - 86_400_000, toMs: p.now,
            filters: .init(agentGroupIds: p.dashboardGroups, includeSubGroups: true), metrics: Metric.allCases,
            groupBy: .agentGroupId, sort: .init(key: .metric(.closedConversations), descending: true), limit: 50)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(p.account.query(q, now: p.now)) }
    }

    Benchmark("heaviest query: all 2,000 groups with subgroups, sort by avgWaitTime, 24 h", configuration: queryConfig) { benchmark in
        let p = ProductionAccount.shared
        let q = MetricsQuery(
            accountId: "prod", fromMs: p.now - 86_400_000, toMs: p.now,
            filters: .init(includeSubGroups: true), metrics: Metric.allCases,
            groupBy: .agentGroupId, sort: .init(key: .metric(.avgWaitTime), descending: true), limit: 50)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(p.account.query(q, now: p.now)) }
    }

    Benchmark("skill query: groupBy skillId over 1,000 skills, 1 h window", configuration: queryConfig) { benchmark in
        let p = ProductionAccount.shared
        let q = MetricsQuery(
            accountId: "prod", fromMs: p.now - 3_600_000, toMs: p.now, metrics: Metric.allCases,
            groupBy: .skillId, sort: .init(key: .metric(.closedConversations), descending: true), limit: 50)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(p.account.query(q, now: p.now)) }
    }
}
