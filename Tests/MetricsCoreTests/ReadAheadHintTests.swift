import Testing

@testable import MetricsCore

/// The batch apply's read-ahead only uses hints and prefetches; these pin down what the hints
/// are (the real lookups are checked by BatchApplyTests against one-by-one apply).
@Suite struct ReadAheadHintTests {
    /// `hintSlot` finds ids off their home entry too (along the probe chain), and is nil for
    /// ids not indexed.
    @Test func hintSlotFollowsTheProbeChain() {
        var table = IdSlotTable()
        let ids = (0..<5000).map { "c\($0)" }
        for (i, id) in ids.enumerated() { table.insert(id, slot: Int32(i)) }
        var found = 0
        for (i, id) in ids.enumerated() {
            let hint = table.hintSlot(tag: table.tag(id))
            let real = table.find(id) { ids[Int($0)] == id }
            #expect(real == Int32(i))
            // A hint is the first slot on the chain with the same tag: the id's own slot unless
            // another id has the same 32-bit tag before it, or the chain is over 16 long.
            if hint == Int32(i) { found += 1 } else if let h = hint {
                #expect(table.tag(ids[Int(h)]) == table.tag(id))
            }
        }
        #expect(found >= ids.count - 5)
        for k in 0..<1000 {
            let id = "absent-\(k)"
            if let h = table.hintSlot(tag: table.tag(id)) {
                #expect(table.tag(ids[Int(h)]) == table.tag(id))
            }
        }
        #expect(IdSlotTable().hintSlot(tag: 7) == nil)
    }

    /// The prefetch helpers accept any index (out of range, empty arrays) without trapping.
    @Test func prefetchHelpersTolerateAnyIndex() {
        let empty: [[Int32]] = []
        let lists: [[Int32]] = [[], [1, 2, 3], []]
        for i in [-1, 0, 1, 2, 3, 1 << 40] {
            empty.prefetch(i)
            empty.prefetchElementStorage(i)
            lists.prefetch(i)
            lists.prefetchElementStorage(i)
        }
        var records = RecordArray()
        for i in [-1, 0, 5] { records.prefetchForWrite(i) }
        records.append(ConversationRecord(id: "c", skill: 0, openedAt: 0, lastTime: 0))
        for i in [-1, 0, 1] { records.prefetchForWrite(i) }
        var series = SeriesTable()
        for id: Int32 in [-1, 0, 3] { series.prefetchSeries(id); series.prefetchLastEntry(id) }
        let s = series.newSeries(SeriesKey(agent: -1, group: -1, skill: 0, userType: -1))
        series.prefetchLastEntry(s)
        series.add(SampleAggregate(), minute: 5, to: s)
        series.prefetchSeries(s)
        series.prefetchLastEntry(s)
        #expect(records.count == 1)
    }
}
