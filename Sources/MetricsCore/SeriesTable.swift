import CPrefetch

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
/// cumulative aggregate up to it (one buffer, so an append touches one cache line). A
/// window's sum is one subtraction, found in O(1) when the window covers the key's whole
/// retained range and by binary search otherwise.
///
/// `entries[head - 1]` is always present once the series has data and holds the cumulative
/// value before the first retained entry (at first a zero sentinel; after pruning, the last
/// pruned entry).
///
/// The entries live in a raw buffer whose count and capacity are stored here, not in a
/// Swift array: an append to an `Array` first loads the array's header (count, capacity,
/// reference count), a cache miss of its own on ~100 k series; here the append reads only
/// this struct (hot) and the last entry. The buffer is owned by the table's `SeriesStorage`,
/// which frees it and copies it on write; a `Series` is only valid while its table is.
struct Series {
    var entries: UnsafeMutablePointer<SeriesEntry>? = nil
    /// Entries before `head` are pruned (kept until compaction to make pruning O(1)
    /// amortized); `entries[head - 1]` is the base.
    var head: Int32 = 1
    var count: Int32 = 0
    var capacity: Int32 = 0
    var key: SeriesKey

    init(key: SeriesKey) { self.key = key }

    var isEmpty: Bool { head >= count }
    /// Retained entries.
    var retainedCount: Int { max(0, Int(count) - Int(head)) }

    /// The retained entries and the base before them (for reading only, while the table is
    /// neither mutated nor released).
    var buffer: UnsafeBufferPointer<SeriesEntry> {
        UnsafeBufferPointer(start: entries, count: Int(count))
    }

    mutating func add(_ delta: SampleAggregate, minute: Int32) {
        let n = Int(count)
        guard n > 0, let p = entries else {
            reallocate(to: 4)
            entries.unsafelyUnwrapped.initialize(to: SeriesEntry(minute: .min, cumulative: .zero))
            (entries.unsafelyUnwrapped + 1).initialize(to: SeriesEntry(minute: minute, cumulative: delta))
            count = 2
            return
        }
        let lastMinute = p[n - 1].minute
        if n == Int(head) || lastMinute < minute {
            let next = SeriesEntry(minute: minute, cumulative: p[n - 1].cumulative &+ delta)
            if count == capacity { reallocate(to: 2 * n) }
            (entries.unsafelyUnwrapped + n).initialize(to: next)
            count += 1
            return
        }
        if lastMinute == minute {
            p[n - 1].cumulative.add(delta)
            return
        }
        // Late sample (events of different conversations interleave): insert in place and
        // shift the later cumulative values. Bounded by the ~1441 retained minutes.
        let i = lowerBound(minute)
        if i < n && p[i].minute == minute {
            for j in i..<n { p[j].cumulative.add(delta) }
        } else {
            let next = SeriesEntry(minute: minute, cumulative: p[i - 1].cumulative &+ delta)
            if count == capacity { reallocate(to: 2 * n) }
            let q = entries.unsafelyUnwrapped
            (q + i + 1).moveInitialize(from: q + i, count: n - i)
            (q + i).initialize(to: next)
            count += 1
            for j in (i + 1)...n { q[j].cumulative.add(delta) }
        }
    }

    private mutating func reallocate(to newCapacity: Int) {
        let q = UnsafeMutablePointer<SeriesEntry>.allocate(capacity: newCapacity)
        if let p = entries {
            q.moveInitialize(from: p, count: Int(count))
            p.deallocate()
        }
        entries = q
        capacity = Int32(newCapacity)
    }

    /// First index ≥ head whose minute is ≥ `minute`.
    func lowerBound(_ minute: Int32) -> Int {
        var lo = Int(head), hi = Int(count)
        guard lo < hi, let p = entries else { return lo }
        while lo < hi {
            let mid = (lo + hi) >> 1
            if p[mid].minute < minute { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `sum(lo:hi:)` answered from the series' running total when the window covers every
    /// retained minute (the "last 24 h" of a dashboard): no entry is read. `total` must be
    /// this series' entry of its table's `totals`.
    /// Also when only the first retained minute lies before the window: prune runs once a
    /// minute, so the window of a query made between two prunes may start a minute after the
    /// first retained one.
    @inline(__always)
    func sum(lo: Int32, hi: Int32, total: SeriesTotal) -> SampleAggregate? {
        guard head < count, lo <= hi else { return nil }
        if total.last <= hi {
            if total.first >= lo { return total.sum }
            if total.second >= lo {
                // second == .max: the one retained minute is before the window.
                return total.second == .max ? nil : total.sum &- total.firstSum
            }
        }
        return sum(lo: lo, hi: hi)
    }

    /// Sum of the minutes in `lo...hi`; nil when no retained minute lies in it.
    func sum(lo: Int32, hi: Int32) -> SampleAggregate? {
        let n = Int(count)
        let h = Int(head)
        guard h < n, lo <= hi, let p = entries else { return nil }
        let i = p[h].minute >= lo ? h : lowerBound(lo)
        let j = p[n - 1].minute <= hi ? n - 1 : lowerBound(hi &+ 1) - 1
        guard i <= j, i < n else { return nil }
        return p[j].cumulative &- p[i - 1].cumulative
    }

    /// Drops minutes before `cutoff`.
    mutating func prune(before cutoff: Int32) {
        guard let p = entries else { return }
        let k = lowerBound(cutoff)
        guard k > Int(head) else { return }
        head = Int32(k)
        if k >= 64 && k * 2 >= Int(count) {
            // Keep entries[k - 1] as the new base.
            let kept = Int(count) - (k - 1)
            p.moveInitialize(from: p + (k - 1), count: kept)
            count = Int32(kept)
            head = 1
        }
    }
}

/// The retained minutes of one series summed, kept next to the series (in a dense array of
/// the table, not in its entry buffer) by tables that keep totals: a query whose window
/// covers every retained minute reads these bytes instead of three entries scattered over
/// the heap. While the series has retained entries, `first`/`second`/`last` are the minutes
/// of `entries[head]`, `entries[head + 1]` (`.max` when there is none) and
/// `entries[count - 1]`; `sum` is `entries[count - 1].cumulative &- entries[head - 1].cumulative`
/// and `firstSum` the first retained minute's own samples, `entries[head].cumulative &-
/// entries[head - 1].cumulative` (kept with the same wrapping arithmetic, so equal to them).
struct SeriesTotal: Sendable, Equatable {
    var first: Int32 = .max
    var second: Int32 = .max
    var last: Int32 = .min
    var sum: SampleAggregate = .zero
    var firstSum: SampleAggregate = .zero

    init() {}

    /// Worked out from the entries (after loading or pruning).
    init(_ s: Series) {
        let h = Int(s.head), n = Int(s.count)
        guard h < n, let p = s.entries else { return }
        first = p[h].minute
        second = h + 1 < n ? p[h + 1].minute : .max
        last = p[n - 1].minute
        sum = p[n - 1].cumulative &- p[h - 1].cumulative
        firstSum = p[h].cumulative &- p[h - 1].cumulative
    }

    /// Follows `Series.add(delta, minute:)`: a sample adds `delta` to the cumulative value of
    /// every entry from its minute's on — so to the last one and never to the base — and its
    /// minute becomes an entry's if it was not one. `wasEmpty`: no retained entry before.
    @inline(__always)
    mutating func add(_ delta: SampleAggregate, minute: Int32, wasEmpty: Bool) {
        if wasEmpty {
            first = minute
            second = .max
            last = minute
            sum = delta
            firstSum = delta
            return
        }
        sum.add(delta)
        if minute > last { last = minute }
        if minute == first {
            firstSum.add(delta)
        } else if minute < first {
            second = first
            first = minute
            firstSum = delta
        } else if minute < second {
            second = minute
        }
    }
}

/// Owner of a table's series and their entry buffers: frees them, and is copied whole when
/// a table shared by two values is mutated (copy on write, checked by `SeriesTable`).
/// Unchecked Sendable: a storage reachable from two values is never mutated.
final class SeriesStorage: @unchecked Sendable {
    @exclusivity(unchecked) var series: [Series] = []
    /// One per series when `keepsTotals`, else empty.
    @exclusivity(unchecked) var totals: [SeriesTotal] = []
    let keepsTotals: Bool

    init(keepsTotals: Bool) { self.keepsTotals = keepsTotals }

    deinit {
        for s in series { s.entries?.deallocate() }  // SeriesEntry is trivial: no deinitialize
    }

    func copy() -> SeriesStorage {
        let c = SeriesStorage(keepsTotals: keepsTotals)
        c.totals = totals
        c.series = series.map { s in
            var t = s
            if let p = s.entries {
                let q = UnsafeMutablePointer<SeriesEntry>.allocate(capacity: Int(s.capacity))
                q.initialize(from: p, count: Int(s.count))
                t.entries = q
            }
            return t
        }
        return c
    }
}

/// All series of one granularity. Lookup of a key's series is the owner's (dense indexes
/// by agent, skill or group), so the hot path hashes nothing.
struct SeriesTable: Sendable {
    private var storage: SeriesStorage

    /// `keepsTotals`: keep each series' `SeriesTotal` (the group-level table, which the
    /// heaviest queries read whole).
    init(keepsTotals: Bool = false) { storage = SeriesStorage(keepsTotals: keepsTotals) }

    /// The series, for reading: valid while this table value is alive and not mutated.
    var series: [Series] { storage.series }
    /// Each series' total when the table keeps them (`series.count` of them), else empty.
    var totals: [SeriesTotal] { storage.totals }
    var keepsTotals: Bool { storage.keepsTotals }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    mutating func newSeries(_ key: SeriesKey) -> Int32 {
        makeUnique()
        storage.series.append(Series(key: key))
        if storage.keepsTotals { storage.totals.append(SeriesTotal()) }
        return Int32(storage.series.count - 1)
    }

    /// Adds a series holding `entries` (base first, as `Series.buffer` reads them) with
    /// `head` (≥ 1) — for loading a snapshot. Returns its id.
    mutating func restoreSeries(_ key: SeriesKey, entries: UnsafeBufferPointer<SeriesEntry>, head: Int32) -> Int32 {
        makeUnique()
        var s = Series(key: key)
        if let src = entries.baseAddress, entries.count > 0 {
            let q = UnsafeMutablePointer<SeriesEntry>.allocate(capacity: entries.count)
            q.initialize(from: src, count: entries.count)
            s.entries = q
            s.count = Int32(entries.count)
            s.capacity = Int32(entries.count)
            s.head = max(1, head)
        }
        storage.series.append(s)
        if storage.keepsTotals { storage.totals.append(SeriesTotal(s)) }
        return Int32(storage.series.count - 1)
    }

    mutating func add(_ delta: SampleAggregate, minute: Int32, to id: Int32) {
        makeUnique()
        if storage.keepsTotals {
            let wasEmpty = storage.series[Int(id)].isEmpty
            storage.series[Int(id)].add(delta, minute: minute)
            storage.totals[Int(id)].add(delta, minute: minute, wasEmpty: wasEmpty)
        } else {
            storage.series[Int(id)].add(delta, minute: minute)
        }
    }

    /// Prefetches series `id`'s header (nothing when out of range).
    @inline(__always)
    func prefetchSeries(_ id: Int32) { storage.series.prefetch(Int(id)) }

    /// Prefetches series `id`'s total for writing (nothing when the table keeps none).
    @inline(__always)
    func prefetchTotal(_ id: Int32) {
        storage.totals.withUnsafeBufferPointer { b in
            if id >= 0 && Int(id) < b.count, let p = b.baseAddress {
                // What a sample writes: the minutes and `sum` (`firstSum` only now and then).
                let t = UnsafeRawPointer(p + Int(id))
                cprefetch_write(t)
                cprefetch_write(t + (MemoryLayout<SeriesTotal>.offset(of: \SeriesTotal.firstSum)! - 1))
            }
        }
    }

    /// Prefetches for writing the last entry of series `id` and where the next one would be
    /// appended (an entry may span two cache lines).
    @inline(__always)
    func prefetchLastEntry(_ id: Int32) {
        guard id >= 0, Int(id) < storage.series.count else { return }
        let s = storage.series[Int(id)]
        guard s.count > 0, let p = s.entries else { return }
        let last = UnsafeRawPointer(p + (Int(s.count) - 1))
        let size = MemoryLayout<SeriesEntry>.stride
        cprefetch_write(last)
        cprefetch_write(last + (size - 1))
        if s.count < s.capacity { cprefetch_write(last + (2 * size - 1)) }
    }

    mutating func prune(before cutoff: Int32) {
        makeUnique()
        storage.series.withUnsafeMutableBufferPointer { all in
            for i in all.indices { all[i].prune(before: cutoff) }
        }
        if storage.keepsTotals { storage.totals = storage.series.map(SeriesTotal.init) }
    }

    /// Whether every kept total equals what the entries give (a test's check).
    var totalsMatchEntries: Bool {
        guard storage.keepsTotals else { return storage.totals.isEmpty }
        guard storage.totals.count == storage.series.count else { return false }
        for (s, t) in zip(storage.series, storage.totals) where !s.isEmpty && SeriesTotal(s) != t { return false }
        return true
    }

    var entryCount: Int { storage.series.reduce(0) { $0 + $1.retainedCount } }
}
