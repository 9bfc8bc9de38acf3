@testable import MetricsCore
import Testing

/// The group-level table's running totals (`SeriesTotal`): after random samples (in order,
/// late, into empty and pruned series) and prunes, every total equals what the entries give,
/// and the window sums answered from it equal the ones read from the entries, for every window.
@Suite struct SeriesTotalTests {
    @Test(arguments: Array(UInt64(1)...UInt64(40)))
    func totalsAnswerLikeTheEntries(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = SeriesTable(keepsTotals: true)
        let n = 1 + Int(rng.next() % 4)
        for i in 0..<n { _ = table.newSeries(SeriesKey(agent: SeriesKey.anyAgent, group: Int32(i), skill: SeriesKey.anySkill, userType: 0)) }
        var now: Int32 = 1_000
        var cutoff: Int32 = now - 60
        for step in 0..<400 {
            switch rng.next() % 10 {
            case 0:
                // Prune at a cutoff that trails the samples (as the once-a-minute prune does).
                cutoff = max(cutoff, now - 60 + Int32(rng.next() % 3))
                table.prune(before: cutoff)
            case 1:
                now += Int32(rng.next() % 5)
            default:
                var delta = SampleAggregate()
                delta.closedByAgent = Int32(rng.next() % 3)
                delta.waitCount = 1
                delta.waitSum = Int64(rng.next() % 100_000)
                // Mostly the current minute, sometimes late (not before the cutoff: samples
                // older than retention are not recorded).
                let late = rng.next() % 4 == 0 ? Int32(rng.next() % 70) : 0
                let minute = max(cutoff, now - late)
                table.add(delta, minute: minute, to: Int32(rng.next() % UInt64(n)))
            }
            #expect(table.totalsMatchEntries, "seed \(seed) step \(step)")
            if step % 20 == 0 {
                for id in Int32(0)..<Int32(n) {
                    for lo in (cutoff - 3)...(now + 1) {
                        for hi in [lo, lo + 1, now - 1, now, now + 1] {
                            #expect(table.sumUsingTotal(id, lo: lo, hi: hi) == table.sum(id, lo: lo, hi: hi), "seed \(seed) step \(step) \(lo)...\(hi)")
                        }
                    }
                }
            }
        }
    }
}
