@testable import MetricsCore
import Testing

/// AccountMetrics is a value: the series tables keep their entries in raw buffers with copy
/// on write, so a copy must never see the other value's later samples, prunes or frees.
@Suite struct ValueSemanticsTests {
    func build() -> Fixture {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1", "s2"])
        for i in 0..<40 {
            let t = T0 + Int64(i) * minute
            f.open("c\(i)", i % 2 == 0 ? "s1" : "s2", at: t)
            f.consumer("c\(i)", at: t + 1)
            f.assign("c\(i)", "h1", at: t + 2)
            f.say("c\(i)", "h1", at: t + 1000 + Int64(i))
            f.close("c\(i)", at: t + 2000)
        }
        return f
    }

    func snapshot(_ f: Fixture, now: Int64) -> [MetricsResult] {
        [
            f.query(Metric.allCases, now: now, groupBy: .skillId),
            f.query(Metric.allCases, now: now, filters: .init(agentIds: ["h1"])),
            f.query(Metric.allCases, now: now, groupBy: .agentGroupId),
        ]
    }

    @Test func copiesAreIndependent() {
        let now = T0 + day
        var a = build()
        let before = snapshot(a, now: now)
        var b = a  // shares storage until one side writes
        // More samples on a (appends, same-minute adds, late inserts), then prune a.
        for i in 0..<10 {
            let t = T0 + Int64(i) * minute + 30_000
            a.open("late\(i)", "s1", at: t)
            a.consumer("late\(i)", at: t + 1)
            a.assign("late\(i)", "h1", at: t + 2)
            a.say("late\(i)", "h1", at: t + 3)
            a.close("late\(i)", at: t + 4)
        }
        #expect(snapshot(b, now: now) == before)
        #expect(snapshot(a, now: now) != before)
        let aAfter = snapshot(a, now: now)
        b.account.prune(now: T0 + day + 20 * minute)
        #expect(snapshot(a, now: now) == aAfter)
        // b pruned the first 20 minutes: only the later 20 closes remain in its window.
        let closed = b.query([.closedConversations], now: T0 + day + 20 * minute).all?[.closedConversations]
        #expect(closed == .c(20))
        #expect(a.account.bucketCount > b.account.bucketCount)
    }

    @Test func hotRecordsStaySmall() {
        // Apply reads one record among millions and one series among ~100 k per sample.
        #expect(MemoryLayout<ConversationRecord>.stride == 64)
        #expect(MemoryLayout<Series>.stride <= 40)
        #expect(MemoryLayout<AgentSeriesRef>.stride == 16)
    }
}

/// The hooks a snapshot loader uses: indexes rebuilt from stored ids, series restored from
/// their buffers.
@Suite struct RestoreTests {
    @Test func conversationIndexRebuildsFromRecords() {
        var f = Fixture()
        for i in 0..<500 { f.open("c\(i)", "s1", at: T0) }
        for i in stride(from: 0, to: 500, by: 2) { f.close("c\(i)", at: T0 + 1) }
        f.account.prune(now: T0 + day + 2)  // frees the closed ones' slots
        for i in 500..<600 { f.open("c\(i)", "s1", at: T0 + day + 3) }  // reuses some
        var t = f.account.conversations
        let before = (0..<700).map { t.find("c\($0)") }
        t.index = IdSlotTable()
        t.rebuildIndex()
        #expect((0..<700).map { t.find("c\($0)") } == before)
        #expect(t.indexCount == 350)
    }

    @Test func internerFromIds() {
        let ids = ["a", "b", "caf\u{e9}", ""]
        let i = Interner(ids: ids)
        #expect(i?.ids == ids)
        #expect(i?.find("cafe\u{301}") == 2)
        #expect(i?.find("") == 3)
        #expect(Interner(ids: ["a", "b", "a"]) == nil)
        #expect(Interner(ids: ["a", "a"]) == nil)
        #expect(Interner(ids: ["caf\u{e9}", "cafe\u{301}"]) == nil)
    }

    @Test func seriesRestoreFromBuffers() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        for i in 0..<30 {
            let t = T0 + Int64(i) * minute
            f.open("c\(i)", "s1", at: t); f.consumer("c\(i)", at: t + 1); f.assign("c\(i)", "h1", at: t + 2)
            f.say("c\(i)", "h1", at: t + 500); f.close("c\(i)", at: t + 900)
        }
        f.account.prune(now: T0 + day + 10 * minute)
        let table = f.account.groupSeries
        var copy = SeriesTable()
        for id in table.series.indices {
            let entries = table.entries(of: Int32(id))
            _ = entries.withUnsafeBufferPointer { copy.restoreSeries(table.series[id].key, entries: $0, head: 1) }
        }
        for id in Int32(0)..<Int32(table.series.count) {
            #expect(table.series[Int(id)].key == copy.series[Int(id)].key)
            #expect(table.entries(of: id) == copy.entries(of: id))
            for lo in stride(from: Int32(0), to: 40, by: 7) {
                let m0 = Int32(truncatingIfNeeded: Retention.minute(of: T0))
                #expect(table.sum(id, lo: m0 + lo, hi: m0 + lo + 15) == copy.sum(id, lo: m0 + lo, hi: m0 + lo + 15))
            }
        }
        #expect(copy.entryCount == table.entryCount)
        #expect(table.entryCount > 0)
    }
}

/// One series against brute force: appends, same-minute adds, late inserts, and prunes far
/// enough to compact the point list (≥ 64 pruned minutes) and to free chunks of the entry
/// log, then window sums.
@Suite struct SeriesBufferTests {
    @Test(arguments: [11, 12, 13])
    func seriesMatchesBruteForce(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = SeriesTable()
        let id = table.newSeries(SeriesKey(agent: 0, group: 0, skill: 0, userType: 0))
        var samples: [(minute: Int32, wait: Int64)] = []
        var cutoff: Int32 = 0
        var latest: Int32 = 0
        for step in 0..<3000 {
            // Mostly ascending minutes, sometimes the same or an earlier retained one.
            let r = rng.next() % 10
            let m: Int32 = r < 6 ? latest + Int32(rng.next() % 3) : max(cutoff, latest - Int32(rng.next() % 20))
            latest = max(latest, m)
            var d = SampleAggregate()
            d.waitCount = 1
            d.waitSum = Int64(rng.next() % 1000)
            table.add(d, minute: m, to: id)
            samples.append((m, d.waitSum))
            if step % 97 == 96 {
                cutoff = max(cutoff, latest - Int32(rng.next() % 150))
                table.prune(before: cutoff)
            }
            if step % 13 == 0 {
                let lo = cutoff + Int32(rng.next() % 100) - 20
                let hi = lo + Int32(rng.next() % 200)
                let inWindow = samples.filter { $0.minute >= max(lo, cutoff) && $0.minute <= hi }
                let got = table.sum(id, lo: max(lo, cutoff), hi: hi)
                if inWindow.isEmpty {
                    #expect(got == nil || got?.waitCount == 0)
                } else {
                    #expect(got?.waitCount == Int32(inWindow.count))
                    #expect(got?.waitSum == inWindow.reduce(0) { $0 + $1.wait })
                }
            }
        }
        #expect(table.series[0].head < table.series[0].count)
    }

    /// Retention bounds the entry log: with a prune every minute, chunks whose minutes all
    /// fell out of the 24 h are freed and their slots reused, while every retained minute
    /// stays readable (the sums over the last day stay exact).
    @Test func entryLogChunksAreFreed() {
        var table = SeriesTable()
        let ids = (0..<3).map { table.newSeries(SeriesKey(agent: Int32($0), group: 0, skill: 0, userType: 0)) }
        var one = SampleAggregate()
        one.waitCount = 1
        let minutes: Int32 = 60_000  // ~42 days, 180,000 finished minutes in the log
        var maxLive = 0
        for m in Int32(0)..<minutes {
            for id in ids { table.add(one, minute: m, to: id) }
            table.prune(before: m - 1440)
            if m >= 20_000 { maxLive = max(maxLive, table.logChunks) }  // past the small first chunks
        }
        // 3 × 1441 retained values need at most two full chunks (16,384 each) and the one
        // being filled.
        #expect(maxLive <= 3)
        for id in ids {
            #expect(table.sum(id, lo: minutes - 1441, hi: minutes)?.waitCount == 1441)
            #expect(table.sum(id, lo: minutes - 100, hi: minutes - 51)?.waitCount == 50)
        }
    }
}
