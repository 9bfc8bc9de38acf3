@testable import MetricsCore
import Testing

/// Property tests: on random simulator streams, the engine and the naive evaluator accept the
/// same events and answer every random query identically.
@Suite struct EngineMatchesNaiveTests {
    struct Ids {
        var agents: [String] = []
        var groups: [String] = []
        var skills: [String] = []
    }

    static func randomQuery(_ rng: inout SplitMix64, ids: Ids, now: Int64) -> MetricsQuery {
        func subset(_ xs: [String], extra: String) -> [String] {
            guard rng.next() % 3 == 0 else { return [] }
            var s: [String] = []
            for x in xs where rng.next() % 3 == 0 { s.append(x) }
            if rng.next() % 4 == 0 { s.append(extra) }
            // Now and then an id twice: the filter lists drop repeats.
            if let first = s.first, rng.next() % 5 == 0 { s.append(first) }
            return s
        }
        var filters = MetricsQuery.Filters()
        filters.agentIds = rng.next() % 4 == 0 ? subset(ids.agents, extra: "nobody") : []
        filters.agentGroupIds = subset(ids.groups, extra: "no-group")
        filters.skillIds = subset(ids.skills, extra: "no-skill")
        if rng.next() % 4 == 0 { filters.userTypes = rng.next() % 2 == 0 ? [.human] : [.bot] }
        filters.includeSubGroups = rng.next() % 2 == 0

        var metrics: [Metric] = []
        if rng.next() % 3 == 0 {
            metrics = Metric.allCases
        } else {
            for m in Metric.allCases where rng.next() % 4 == 0 { metrics.append(m) }
        }
        let groupBy: MetricsQuery.GroupByField? = [nil, .skillId, .agentGroupId][Int(rng.next() % 3)]
        var sort = MetricsQuery.Sort()
        if rng.next() % 3 != 0 {
            sort.key = .metric(Metric.allCases[Int(rng.next() % UInt64(Metric.allCases.count))])
        }
        sort.descending = rng.next() % 2 == 0
        let from: Int64
        switch rng.next() % 4 {
        case 0: from = now - 86_400_000 - 300_000
        case 1: from = now - Int64(rng.next() % 3_600_000)
        case 2: from = now + 1 + Int64(rng.next() % 100_000)  // after now: empty window
        default: from = now - Int64(rng.next() % 86_400_000)
        }
        let to = rng.next() % 3 == 0 ? now + Int64(rng.next() % 3_600_000) : from + Int64(rng.next() % 7_200_000)
        return MetricsQuery(
            accountId: "p", fromMs: from, toMs: max(from, to), filters: filters, metrics: metrics,
            includeAll: groupBy == nil || rng.next() % 3 != 0, groupBy: groupBy, sort: sort,
            offset: rng.next() % 4 == 0 ? Int(rng.next() % 6) : 0, limit: 1 + Int(rng.next() % 50))
    }

    static func collectIds(_ e: Event, into ids: inout Ids) {
        switch e.kind {
        case let .skillUpserted(s, _): if !ids.skills.contains(s) { ids.skills.append(s) }
        case let .agentGroupUpserted(g, _, _): if !ids.groups.contains(g) { ids.groups.append(g) }
        case let .agentUpserted(a, _, _, g, skills, _):
            if !ids.agents.contains(a) { ids.agents.append(a) }
            if !ids.groups.contains(g) { ids.groups.append(g) }
            for s in skills where !ids.skills.contains(s) { ids.skills.append(s) }
        case let .conversationOpened(_, s), let .skillChanged(_, s):
            if !ids.skills.contains(s) { ids.skills.append(s) }
        default: break
        }
    }

    /// Runs one stream; returns (events, queries) checked.
    static func check(seed: UInt64, config: SimulatorConfig, queriesEvery: Int, lateApply: Bool) -> (Int, Int) {
        var sim = Simulator(seed: seed, config: config)
        var rng = SplitMix64(seed: seed ^ 0xABCDEF)
        var engine = AccountMetrics()
        var naive = NaiveEvaluator()
        var ids = Ids()
        var applyNow: Int64 = 0
        var events = 0, queries = 0
        func runQueries(_ n: Int) {
            for _ in 0..<n {
                let later: Int64 = [0, 0, 1_000, 59_999, 3_600_000, 86_400_000, 31 * 86_400_000][Int(rng.next() % 7)]
                let now = applyNow + later
                let q = randomQuery(&rng, ids: ids, now: now)
                let got = engine.query(q, now: now)
                let want = naive.query(q, now: now)
                #expect(got == want, "seed \(seed) after \(events) events, now \(now), query \(q)\n got \(got)\nwant \(want)")
                queries += 1
                if got != want { return }
            }
            #expect(engine.groupSeries.totalsMatchEntries, "seed \(seed) after \(events) events: a series total differs from its entries")
        }
        while let e = sim.next() {
            // Apply `now` runs ahead of event time sometimes (late events), never backwards.
            applyNow = max(applyNow, e.time + (lateApply && rng.next() % 50 == 0 ? 86_400_000 : 0))
            collectIds(e, into: &ids)
            let outcome = engine.apply(e, now: applyNow)
            let accepted = naive.apply(e)
            #expect(outcome.isApplied == accepted, "seed \(seed): event \(events) \(e) engine \(outcome) naive \(accepted)")
            events += 1
            if events % queriesEvery == 0 {
                if rng.next() % 4 == 0 { engine.prune(now: applyNow) }
                runQueries(3)
            }
        }
        engine.prune(now: applyNow)
        runQueries(20)
        return (events, queries)
    }

    @Test(arguments: Array(UInt64(1)...UInt64(120)))
    func engineEqualsNaiveOnSmallStreams(seed: UInt64) {
        let config = SimulatorConfig.small(startMs: 1_700_000_000_000 + Int64(seed) * 7_919, conversations: 40)
        let (events, queries) = Self.check(seed: seed, config: config, queriesEvery: 40, lateApply: seed % 5 == 0)
        #expect(events > 200)
        #expect(queries > 20)
    }

    /// Longer than the 24 h retention, so that pruning and the retention cutoff run mid-stream.
    @Test(arguments: Array(UInt64(1000)...UInt64(1011)))
    func engineEqualsNaiveAcrossRetention(seed: UInt64) {
        var config = SimulatorConfig(
            agents: 30, groups: 10, groupDepth: 4, skills: 10, conversations: 250, durationMs: 30 * 3_600_000,
            startMs: 1_700_000_000_000, botFraction: 0.2, inconsistentFraction: 0.05, churnPerConversation: 0.2)
        config.startMs += Int64(seed)
        let (events, queries) = Self.check(seed: seed, config: config, queriesEvery: 150, lateApply: seed % 3 == 0)
        #expect(events > 1_000)
        #expect(queries > 20)
    }

    /// The UUID-id option: ids are 36-character lowercase UUIDs, distinct per conversation, and
    /// the engine still agrees with the naive evaluator on such streams.
    @Test(arguments: Array(UInt64(200)...UInt64(205)))
    func uuidConversationIdsAgreeWithNaive(seed: UInt64) {
        var config = SimulatorConfig.small(startMs: 1_700_000_000_000 + Int64(seed), conversations: 40)
        config.uuidConversationIds = true
        var sim = Simulator(seed: seed, config: config)
        var ids = Set<String>()
        while let e = sim.next() {
            if case .conversationOpened(let id, _) = e.kind { ids.insert(id) }
        }
        #expect(ids.count >= 40)
        let hex = Set("0123456789abcdef".utf8)
        for id in ids {
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36 && [8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") })
            #expect(bytes.enumerated().allSatisfy { [8, 13, 18, 23].contains($0.offset) || hex.contains($0.element) })
        }
        let (events, queries) = Self.check(seed: seed, config: config, queriesEvery: 40, lateApply: seed % 2 == 0)
        #expect(events > 200 && queries > 20)
    }

    @Test func uuidIdsOfDifferentConversationsDiffer() {
        var seen = Set<String>()
        for i in 0..<100_000 { seen.insert(Simulator.uuid(i)) }
        #expect(seen.count == 100_000)
    }

    @Test func simulatorIsDeterministicAndProducesRejections() {
        let config = SimulatorConfig.small(startMs: 1_700_000_000_000, conversations: 200)
        var a = Simulator(seed: 7, config: config)
        var b = Simulator(seed: 7, config: config)
        var account = AccountMetrics()
        var n = 0, rejected = 0, last: Int64 = .min
        while let e = a.next() {
            #expect(b.next() == e)
            #expect(e.time >= last)
            last = e.time
            if !account.apply(e, now: e.time).isApplied { rejected += 1 }
            n += 1
        }
        #expect(b.next() == nil)
        #expect(n > 1_000)
        #expect(rejected > 0 && rejected < n / 10)
    }
}

/// The demo preset end to end: a realistic volume (20,000 conversations), events up to a
/// moment streamed with `events(until:)`, and the engine agreeing with the naive reading.
@Suite struct DemoPresetTests {
    @Test func demoStreamUntilNowAgreesWithNaive() {
        let start: Int64 = 1_767_225_600_000
        var sim = Simulator(seed: 3, config: .demo(startMs: start))
        var engine = AccountMetrics()
        var naive = NaiveEvaluator()
        var n = 0, rejected = 0
        let now = start + 20 * 3_600_000
        for e in sim.events(until: now) {
            #expect(e.time <= now)
            let ok = engine.apply(e, now: now).isApplied
            #expect(ok == naive.apply(e))
            if !ok { rejected += 1 }
            n += 1
        }
        #expect(sim.peekTime().map { $0 > now } ?? true)
        #expect(n > 100_000)
        #expect(rejected > 0 && rejected * 50 < n)
        var rng = SplitMix64(seed: 99)
        var ids = EngineMatchesNaiveTests.Ids()
        ids.groups = ["1641700000", "1641700007", "1641700014"]
        ids.skills = ["5000", "5001", "vip-7"]
        ids.agents = ["agent-1", "agent-2", "agent-3"]
        for _ in 0..<6 {
            let q = EngineMatchesNaiveTests.randomQuery(&rng, ids: ids, now: now)
            #expect(engine.query(q, now: now) == naive.query(q, now: now), "\(q)")
        }
        let all = engine.query(MetricsQuery(accountId: "demo", fromMs: now - 86_400_000, toMs: now, metrics: [.closedConversations]), now: now)
        #expect(all.all?[.closedConversations].map { if case let .count(c) = $0 { c > 10_000 } else { false } } == true)
    }
}
