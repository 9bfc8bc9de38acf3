/// Attribution of a by-time sample. In the agent-level table every field is concrete (agent
/// −1 = no agent, then group −1 and userType −1). In the group-level table `agent` is
/// `SeriesKey.anyAgent` and `skill` is `SeriesKey.anySkill`: the sample's agent and skill are
/// summed away, which is what a query without agent or skill dimensions needs.
struct SeriesKey: Hashable, Sendable {
    static let noAgent: Int32 = -1
    static let anyAgent: Int32 = -2
    static let anySkill: Int32 = -2

    var agent: Int32
    var group: Int32
    var skill: Int32
    var userType: Int8  // -1 none, 0 HUMAN, 1 BOT

    var hasAgent: Bool { agent != SeriesKey.noAgent }
}

/// One of an agent's agent-level series, by the rest of its key: the agent's short list of
/// these (its skills × the groups / user types it had) is scanned on every sample, so key and
/// id sit together (16 bytes) instead of in two parallel arrays.
struct AgentSeriesRef: Sendable {
    var group: Int32
    var skill: Int32
    var id: Int32
    var userType: Int8
}

/// One minute of a series: the cumulative aggregate up to and including `minute`.
struct SeriesEntry: Sendable {
    var minute: Int32
    var cumulative: SampleAggregate
}

/// One attribution key's samples: the minutes that have samples, ascending, each with the
/// cumulative aggregate up to it (one array, so an append touches one cache line). A window's
/// sum is one subtraction, found in O(1) when the window covers the key's whole retained range
/// and by binary search otherwise.
///
/// `entries[head - 1]` is always present once the series has data and holds the cumulative
/// value before the first retained entry (at first a zero sentinel; after pruning, the last
/// pruned entry). Keeping that base in the array instead of inline keeps `Series` at 32 bytes,
/// so the ~100 k agent-level series stay cache-resident for the sample path.
struct Series: Sendable {
    var key: SeriesKey
    var entries: [SeriesEntry] = []
    /// Entries before `head` are pruned (kept until compaction to make pruning O(1) amortized);
    /// `entries[head - 1]` is the base.
    var head: Int32 = 1

    init(key: SeriesKey) { self.key = key }

    var isEmpty: Bool { Int(head) >= entries.count }
    /// Retained entries.
    var count: Int { max(0, entries.count - Int(head)) }

    mutating func add(_ delta: SampleAggregate, minute: Int32) {
        let n = entries.count
        if n == 0 {
            entries.reserveCapacity(4)
            entries.append(SeriesEntry(minute: .min, cumulative: .zero))
            entries.append(SeriesEntry(minute: minute, cumulative: delta))
            return
        }
        let lastMinute = entries[n - 1].minute
        if n == Int(head) || lastMinute < minute {
            entries.append(SeriesEntry(minute: minute, cumulative: entries[n - 1].cumulative &+ delta))
            return
        }
        if lastMinute == minute {
            entries[n - 1].cumulative.add(delta)
            return
        }
        // Late sample (events of different conversations interleave): insert in place and
        // shift the later cumulative values. Bounded by the ~1441 retained minutes.
        let i = lowerBound(minute)
        if i < n && entries[i].minute == minute {
            for j in i..<n { entries[j].cumulative.add(delta) }
        } else {
            let prev = entries[i - 1].cumulative
            entries.insert(SeriesEntry(minute: minute, cumulative: prev &+ delta), at: i)
            for j in (i + 1)...n { entries[j].cumulative.add(delta) }
        }
    }

    /// First index ≥ head whose minute is ≥ `minute`.
    func lowerBound(_ minute: Int32) -> Int {
        var lo = Int(head), hi = entries.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if entries[mid].minute < minute { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Sum of the minutes in `lo...hi`; nil when no retained minute lies in it.
    func sum(lo: Int32, hi: Int32) -> SampleAggregate? {
        let n = entries.count
        let h = Int(head)
        guard h < n, lo <= hi else { return nil }
        let i = entries[h].minute >= lo ? h : lowerBound(lo)
        let j = entries[n - 1].minute <= hi ? n - 1 : lowerBound(hi &+ 1) - 1
        guard i <= j, i < n else { return nil }
        return entries[j].cumulative &- entries[i - 1].cumulative
    }

    /// Drops minutes before `cutoff`.
    mutating func prune(before cutoff: Int32) {
        guard !entries.isEmpty else { return }
        let k = lowerBound(cutoff)
        guard k > Int(head) else { return }
        head = Int32(k)
        if k >= 64 && k * 2 >= entries.count {
            // Keep entries[k - 1] as the new base.
            entries.removeFirst(k - 1)
            head = 1
        }
    }
}

/// All series of one granularity. Lookup of a key's series is the owner's (dense indexes
/// by agent, skill or group), so the hot path hashes nothing.
struct SeriesTable: Sendable {
    var series: [Series] = []

    mutating func newSeries(_ key: SeriesKey) -> Int32 {
        series.append(Series(key: key))
        return Int32(series.count - 1)
    }

    mutating func add(_ delta: SampleAggregate, minute: Int32, to id: Int32) {
        series[Int(id)].add(delta, minute: minute)
    }

    mutating func prune(before cutoff: Int32) {
        for i in series.indices { series[i].prune(before: cutoff) }
    }

    var entryCount: Int { series.reduce(0) { $0 + $1.count } }
}
