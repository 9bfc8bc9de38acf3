import MetricsCore
import Testing

/// The batch apply reads ahead (touches the next events' records) but must change state
/// exactly as applying each event alone, in order: same outcomes (reasons included), same
/// state (snapshot bytes), same answers. The two accounts hash ids with different seeds,
/// which must change nothing but the layout of their id indexes.
@Suite struct BatchApplyTests {
    static func check(seed: UInt64, config: SimulatorConfig) {
        var sim = Simulator(seed: seed, config: config)
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9)
        var all: [Event] = []
        while let e = sim.next() { all.append(e) }
        var single = AccountMetrics(hashSeed: seed)
        var batched = AccountMetrics(hashSeed: ~seed)
        var ids = EngineMatchesNaiveTests.Ids()
        var rejected = 0
        var i = 0
        var now: Int64 = 0
        while i < all.count {
            // Batch sizes around and across the read-ahead window, including empty batches.
            let j = min(all.count, i + Int(rng.next() % 100))
            let slice = all[i..<j]  // an ArraySlice not starting at 0: positions are relative
            if let last = slice.last { now = max(now, last.time + (rng.next() % 10 == 0 ? 86_400_000 : 0)) }
            var want: [ApplyOutcome] = []
            for e in slice {
                EngineMatchesNaiveTests.collectIds(e, into: &ids)
                want.append(single.apply(e, now: now))
            }
            var got: [ApplyOutcome] = []
            batched.apply(slice, now: now) { position, outcome in
                #expect(position == got.count)
                got.append(outcome)
            }
            #expect(got == want, "seed \(seed): batch at \(i)..<\(j)")
            if got != want { return }
            rejected += want.filter { !$0.isApplied }.count
            if rng.next() % 8 == 0 {
                single.prune(now: now)
                batched.prune(now: now)
            }
            if rng.next() % 10 == 0 {
                let q = EngineMatchesNaiveTests.randomQuery(&rng, ids: ids, now: now)
                #expect(batched.query(q, now: now) == single.query(q, now: now), "seed \(seed): \(q)")
            }
            i = j
        }
        #expect(rejected > 0, "the stream should include inconsistent events")
        #expect(batched.snapshotBytes() == single.snapshotBytes(), "seed \(seed): states differ")
    }

    /// A batch apply leaves its samples' series updates to the end of the batch, or to the
    /// end of a window once `AccountMetrics.maxPendingSamples` (4,096) are waiting: one batch
    /// of a whole stream (tens of thousands of samples, so the buffer fills many times) ends in
    /// the same state and answers as the events applied one by one.
    @Test func oneHugeBatchEqualsOneByOne() {
        var sim = Simulator(seed: 77, config: .small(startMs: 1_700_000_000_000))
        var all: [Event] = []
        while let e = sim.next() { all.append(e) }
        let now = all.last!.time
        var single = AccountMetrics(hashSeed: 1)
        var want: [ApplyOutcome] = []
        for e in all { want.append(single.apply(e, now: now)) }
        var batched = AccountMetrics(hashSeed: 2)
        var got: [ApplyOutcome] = []
        batched.apply(all[...], now: now) { _, outcome in got.append(outcome) }
        #expect(got == want)
        #expect(batched.snapshotBytes() == single.snapshotBytes())
        var rng = SplitMix64(seed: 77)
        var ids = EngineMatchesNaiveTests.Ids()
        for e in all { EngineMatchesNaiveTests.collectIds(e, into: &ids) }
        for _ in 0..<50 {
            let q = EngineMatchesNaiveTests.randomQuery(&rng, ids: ids, now: now)
            #expect(batched.query(q, now: now) == single.query(q, now: now), "\(q)")
        }
    }

    @Test(arguments: Array(UInt64(1)...UInt64(12)))
    func batchEqualsOneByOne(seed: UInt64) {
        let config = SimulatorConfig(
            agents: 40, groups: 10, groupDepth: 4, skills: 12, conversations: 400, durationMs: 30 * 3_600_000,
            startMs: 1_700_000_000_000 + Int64(seed), botFraction: 0.2, inconsistentFraction: 0.08,
            churnPerConversation: 0.2)
        Self.check(seed: seed, config: config)
    }
}
