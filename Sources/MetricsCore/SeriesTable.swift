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

/// One minute of a series: the cumulative aggregate up to and including `minute`. The form in
/// which series are written to and read from snapshots (base first), and handed to tests.
struct SeriesEntry: Sendable, Equatable {
    var minute: Int32
    var cumulative: SampleAggregate
}

/// A minute of a series in its list of minutes: where its cumulative value is in the table's
/// `EntryLog` (`unsealed` for the series' last minute, whose value is `Series.last`).
struct SeriesPoint: Sendable {
    static let unsealed = UInt32.max
    var minute: Int32
    var position: UInt32
}

/// The cumulative values of every series' minutes but their last, in the order they were
/// finished, for a whole table (docs/design.md, "By-time samples"). A sample that starts a new
/// minute for its series writes the finished minute's value here, at the end of the current
/// chunk: a sequential write, where one buffer per series made every sample write a fresh
/// cache line somewhere in ~1 GB. Chunks are freed once every minute written to them is older
/// than the retention cutoff; a freed chunk's slot is reused, so a position (chunk << 14 |
/// offset) stays in 32 bits.
typealias LogChunks = UnsafeBufferPointer<UnsafeMutablePointer<SampleAggregate>?>

struct EntryLog {
    static let offsetBits = 14
    static let maxChunkEntries = 1 << offsetBits
    static let firstChunkEntries = 64
    static let maxChunks = 1 << (32 - offsetBits)

    private(set) var chunks: [UnsafeMutablePointer<SampleAggregate>?] = []
    /// Per chunk: its capacity, the entries written, the latest minute written.
    private var capacities: [Int32] = []
    private var used: [Int32] = []
    private var maxMinute: [Int32] = []
    private var freeSlots: [Int32] = []
    /// The chunk being filled (-1: none yet), mirrored here so an append reads no array.
    private var current: Int32 = -1
    private var currentBase: UnsafeMutablePointer<SampleAggregate>? = nil
    private var currentFill = 0
    private var currentCapacity = 0
    private var currentMaxMinute = Int32.min
    private var nextCapacity = EntryLog.firstChunkEntries

    /// Writes `value` (of `minute`) at the end; returns its position.
    @inline(__always)
    mutating func append(_ value: SampleAggregate, minute: Int32) -> UInt32 {
        if currentFill == currentCapacity { startChunk() }
        (currentBase.unsafelyUnwrapped + currentFill).initialize(to: value)
        if currentMaxMinute < minute { currentMaxMinute = minute }
        let position = UInt32(truncatingIfNeeded: Int(current) << Self.offsetBits | currentFill)
        currentFill += 1
        return position
    }

    private mutating func startChunk() {
        closeCurrent()
        let capacity = nextCapacity
        nextCapacity = min(Self.maxChunkEntries, 2 * nextCapacity)
        let base = UnsafeMutablePointer<SampleAggregate>.allocate(capacity: capacity)
        let slot: Int
        if let s = freeSlots.popLast() {
            slot = Int(s)
        } else {
            precondition(chunks.count < Self.maxChunks, "series entry log: too many chunks")
            slot = chunks.count
            chunks.append(nil)
            capacities.append(0)
            used.append(0)
            maxMinute.append(.min)
        }
        chunks[slot] = base
        capacities[slot] = Int32(capacity)
        current = Int32(slot)
        currentBase = base
        currentFill = 0
        currentCapacity = capacity
        currentMaxMinute = .min
    }

    private mutating func closeCurrent() {
        guard current >= 0 else { return }
        used[Int(current)] = Int32(currentFill)
        maxMinute[Int(current)] = currentMaxMinute
    }

    /// The value at `position` in `chunks` (this log's, from `withChunks`).
    @inline(__always)
    static func at(_ position: UInt32, in chunks: LogChunks) -> UnsafeMutablePointer<SampleAggregate> {
        let p = Int(position)
        return chunks[p >> offsetBits].unsafelyUnwrapped + (p & (maxChunkEntries - 1))
    }

    /// The chunk table, for reading values in place (valid in `body` only).
    @inline(__always)
    func withChunks<R>(_ body: (LogChunks) throws -> R) rethrows -> R {
        try chunks.withUnsafeBufferPointer(body)
    }

    /// Frees the chunks (but the current one) whose every minute is before `cutoff`: no
    /// retained minute of any series can be in them.
    mutating func release(before cutoff: Int32) {
        closeCurrent()
        for slot in chunks.indices where slot != Int(current) {
            guard let p = chunks[slot], maxMinute[slot] < cutoff else { continue }
            p.deallocate()  // SampleAggregate is trivial: no deinitialize
            chunks[slot] = nil
            used[slot] = 0
            maxMinute[slot] = .min
            freeSlots.append(Int32(slot))
        }
    }

    func deallocateAll() {
        for p in chunks { p?.deallocate() }
    }

    /// An independent copy (same positions).
    func copy() -> EntryLog {
        var c = self
        var all = self
        all.closeCurrent()
        c.chunks = all.chunks.enumerated().map { slot, p in
            guard let p else { return nil }
            let q = UnsafeMutablePointer<SampleAggregate>.allocate(capacity: Int(all.capacities[slot]))
            q.initialize(from: p, count: Int(all.used[slot]))
            return q
        }
        c.currentBase = current >= 0 ? c.chunks[Int(current)] : nil
        return c
    }

    /// Chunks allocated (a test's check that pruning frees them).
    var liveChunks: Int { chunks.count - freeSlots.count }
}

/// The cumulative value before a series' first retained minute: zero at first; after pruning,
/// the last pruned minute's (`minute`). Kept apart from the series header (`SeriesStorage.bases`):
/// only pruning, late samples and queries read it.
struct SeriesBase: Sendable, Equatable {
    var minute: Int32 = .min
    var cumulative: SampleAggregate = .zero
}

/// One attribution key's samples: the minutes that have samples, ascending, each with the
/// cumulative aggregate up to it. A window's sum is one subtraction, found in O(1) when the
/// window covers the key's whole retained range and by binary search otherwise.
///
/// Layout (for apply's sake: samples are ~a quarter of all events and their series updates
/// were most of apply's time, as one random cache miss after another in ~1 GB): this header is
/// 40 bytes in a dense array; the minutes are an 8-byte `SeriesPoint` each in `points`, followed
/// in the same buffer by the cumulative value of the last minute (`last`), so that a sample
/// reads and writes one place of the buffer, its end; the value of every minute but the last
/// is in the table's `EntryLog`, written when the next minute starts. `points[head..<count]` are
/// the retained minutes; those before `head` are pruned (kept until compaction, to make
/// pruning O(1) amortized). The buffers are owned by the table's `SeriesStorage`; a `Series` is
/// only valid while its table is.
struct Series {
    /// `SeriesPoint`-sized words that `last` takes after the points.
    static let lastWords = (MemoryLayout<SampleAggregate>.size + MemoryLayout<SeriesPoint>.stride - 1)
        / MemoryLayout<SeriesPoint>.stride

    /// `capacity` points, then `last`; nil until the first sample.
    var points: UnsafeMutablePointer<SeriesPoint>? = nil
    var head: Int32 = 0
    var count: Int32 = 0
    var capacity: Int32 = 0
    /// The last point's minute, while `count > 0`.
    var lastMinute: Int32 = .min
    var key: SeriesKey

    init(key: SeriesKey) { self.key = key }

    var isEmpty: Bool { head >= count }
    /// Retained minutes.
    var retainedCount: Int { max(0, Int(count) - Int(head)) }
    /// Whether the series ever had a sample.
    var hasData: Bool { points != nil }

    /// Where `last` is: right after the points.
    @inline(__always)
    private var lastAddress: UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(points.unsafelyUnwrapped + Int(count))
    }

    /// The cumulative value of every sample so far (that of the last minute).
    var last: SampleAggregate {
        points == nil ? .zero : lastAddress.load(as: SampleAggregate.self)
    }

    /// The cumulative value at point `k` (head ≤ k < count).
    @inline(__always)
    func cumulative(_ k: Int, _ log: LogChunks) -> SampleAggregate {
        k == Int(count) - 1 ? last : EntryLog.at(points.unsafelyUnwrapped[k].position, in: log).pointee
    }

    /// The cumulative value before point `k` (head ≤ k ≤ count); `base` (this series' entry
    /// of the table's `bases`) is read only when `k` is `head`.
    @inline(__always)
    func cumulative(before k: Int, base: @autoclosure () -> SampleAggregate, _ log: LogChunks) -> SampleAggregate {
        k == Int(head) ? base() : cumulative(k - 1, log)
    }

    /// Adds a sample when it is for the last minute or a later one (the fast path: reads and
    /// writes the end of the buffer and the log's end). Returns false, changing nothing, for
    /// an earlier minute (`addLate`).
    @inline(__always)
    mutating func add(_ delta: SampleAggregate, minute: Int32, log: inout EntryLog) -> Bool {
        let n = Int(count)
        if n == Int(head) {
            // Nothing retained: start the list over from the cumulative value so far.
            let previous = last
            if points == nil { reallocate(to: 4) }
            head = 0
            count = 1
            points.unsafelyUnwrapped.initialize(to: SeriesPoint(minute: minute, position: SeriesPoint.unsealed))
            lastAddress.storeBytes(of: previous &+ delta, as: SampleAggregate.self)
        } else if lastMinute < minute {
            let previous = lastAddress.load(as: SampleAggregate.self)
            points.unsafelyUnwrapped[n - 1].position = log.append(previous, minute: lastMinute)
            if n == Int(capacity) { reallocate(to: 2 * n) }
            (points.unsafelyUnwrapped + n).initialize(to: SeriesPoint(minute: minute, position: SeriesPoint.unsealed))
            count += 1
            lastAddress.storeBytes(of: previous &+ delta, as: SampleAggregate.self)
        } else if lastMinute == minute {
            let a = lastAddress
            a.storeBytes(of: a.load(as: SampleAggregate.self) &+ delta, as: SampleAggregate.self)
            return true
        } else {
            return false
        }
        lastMinute = minute
        return true
    }

    /// A late sample (events of different conversations interleave): added to every retained
    /// minute from its own on, its minute inserted if it was not one. Bounded by the ~1441
    /// retained minutes.
    mutating func addLate(_ delta: SampleAggregate, minute: Int32, base: SampleAggregate, log: inout EntryLog) {
        let n = Int(count)
        let i = lowerBound(minute)  // < n: the last minute is later
        if points.unsafelyUnwrapped[i].minute != minute {
            let value = log.withChunks { cumulative(before: i, base: base, $0) }
            let position = log.append(value, minute: minute)
            if n == Int(capacity) { reallocate(to: 2 * n) }
            let q = points.unsafelyUnwrapped
            // Points i..<n and `last` move up one point.
            UnsafeMutableRawPointer(q + i + 1).copyMemory(
                from: q + i, byteCount: (n - i + Self.lastWords) * MemoryLayout<SeriesPoint>.stride)
            q[i] = SeriesPoint(minute: minute, position: position)
            count += 1
        }
        let q = points.unsafelyUnwrapped
        log.withChunks { chunks in
            for j in i..<(Int(count) - 1) { EntryLog.at(q[j].position, in: chunks).pointee.add(delta) }
        }
        let a = lastAddress
        a.storeBytes(of: a.load(as: SampleAggregate.self) &+ delta, as: SampleAggregate.self)
    }

    /// Room for `newCapacity` points and `last`; the points and `last` move over.
    private mutating func reallocate(to newCapacity: Int) {
        let q = UnsafeMutablePointer<SeriesPoint>.allocate(capacity: newCapacity + Self.lastWords)
        if let p = points {
            UnsafeMutableRawPointer(q).copyMemory(
                from: p, byteCount: (Int(count) + Self.lastWords) * MemoryLayout<SeriesPoint>.stride)
            p.deallocate()
        }
        points = q
        capacity = Int32(newCapacity)
    }

    /// A copy of the buffer (for a copied table).
    func copiedPoints() -> UnsafeMutablePointer<SeriesPoint>? {
        guard let p = points else { return nil }
        let q = UnsafeMutablePointer<SeriesPoint>.allocate(capacity: Int(capacity) + Self.lastWords)
        UnsafeMutableRawPointer(q).copyMemory(
            from: p, byteCount: (Int(count) + Self.lastWords) * MemoryLayout<SeriesPoint>.stride)
        return q
    }

    /// First index ≥ head whose minute is ≥ `minute`.
    func lowerBound(_ minute: Int32) -> Int {
        var lo = Int(head), hi = Int(count)
        guard lo < hi, let p = points else { return lo }
        while lo < hi {
            let mid = (lo + hi) >> 1
            if p[mid].minute < minute { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `sum(lo:hi:base:log:)` answered from the series' running total when the window covers
    /// every retained minute (the "last 24 h" of a dashboard): no entry is read. `total` must
    /// be this series' entry of its table's `totals`.
    /// Also when only the first retained minute lies before the window: prune runs once a
    /// minute, so the window of a query made between two prunes may start a minute after the
    /// first retained one.
    @inline(__always)
    func sum(lo: Int32, hi: Int32, total: SeriesTotal, base: UnsafePointer<SeriesBase>, log: LogChunks) -> SampleAggregate? {
        guard head < count, lo <= hi else { return nil }
        if total.last <= hi {
            if total.first >= lo { return total.sum }
            if total.second >= lo {
                // second == .max: the one retained minute is before the window.
                return total.second == .max ? nil : total.sum &- total.firstSum
            }
        }
        return sum(lo: lo, hi: hi, base: base, log: log)
    }

    /// Sum of the minutes in `lo...hi`; nil when no retained minute lies in it.
    /// `base` is this series' entry of the table's `bases`, read only when the window starts
    /// at the first retained minute.
    func sum(lo: Int32, hi: Int32, base: UnsafePointer<SeriesBase>, log: LogChunks) -> SampleAggregate? {
        let n = Int(count)
        let h = Int(head)
        guard h < n, lo <= hi, let p = points else { return nil }
        let i = p[h].minute >= lo ? h : lowerBound(lo)
        let j = lastMinute <= hi ? n - 1 : lowerBound(hi &+ 1) - 1
        guard i <= j, i < n else { return nil }
        return cumulative(j, log) &- cumulative(before: i, base: base.pointee.cumulative, log)
    }

    /// Drops minutes before `cutoff`, the last of them becoming the base (their values stay
    /// readable until the log releases their chunks, after every series of the table is pruned).
    mutating func prune(before cutoff: Int32, base: inout SeriesBase, log: LogChunks) {
        guard let p = points else { return }
        let k = lowerBound(cutoff)
        guard k > Int(head) else { return }
        base = SeriesBase(minute: p[k - 1].minute, cumulative: cumulative(k - 1, log))
        head = Int32(k)
        if k >= 64 && k * 2 >= Int(count) {
            let kept = Int(count) - k
            UnsafeMutableRawPointer(p).copyMemory(
                from: p + k, byteCount: (kept + Self.lastWords) * MemoryLayout<SeriesPoint>.stride)
            count = Int32(kept)
            head = 0
        }
    }

    /// The series as snapshots write it: the base entry, then the retained minutes (none at
    /// all for a series that never had a sample).
    func entries(base: SeriesBase, _ log: LogChunks) -> [SeriesEntry] {
        guard hasData else { return [] }
        var out = [SeriesEntry(minute: base.minute, cumulative: base.cumulative)]
        out.reserveCapacity(1 + retainedCount)
        for k in Int(head)..<Int(count) {
            out.append(SeriesEntry(minute: points.unsafelyUnwrapped[k].minute, cumulative: cumulative(k, log)))
        }
        return out
    }
}

/// The retained minutes of one series summed, kept next to the series (in a dense array of
/// the table, not in its entry buffer) by tables that keep totals: a query whose window
/// covers every retained minute reads these bytes instead of entries scattered over
/// the heap. While the series has retained minutes, `first`/`second`/`last` are the minutes
/// of `points[head]`, `points[head + 1]` (`.max` when there is none) and `points[count - 1]`;
/// `sum` is the last minute's cumulative value minus `base`, and `firstSum` the first retained
/// minute's own samples (kept with the same wrapping arithmetic, so equal to them).
struct SeriesTotal: Sendable, Equatable {
    var first: Int32 = .max
    var second: Int32 = .max
    var last: Int32 = .min
    var sum: SampleAggregate = .zero
    var firstSum: SampleAggregate = .zero

    init() {}

    /// Worked out from the entries (after loading or pruning).
    init(_ s: Series, base: SampleAggregate, _ log: LogChunks) {
        let h = Int(s.head), n = Int(s.count)
        guard h < n, let p = s.points else { return }
        first = p[h].minute
        second = h + 1 < n ? p[h + 1].minute : .max
        last = s.lastMinute
        sum = s.last &- base
        firstSum = s.cumulative(h, log) &- base
    }

    /// Follows `Series.add`/`addLate`: a sample adds `delta` to the cumulative value of
    /// every minute from its own on — so to the last one and never to the base — and its
    /// minute becomes a point's if it was not one. `wasEmpty`: no retained minute before.
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

/// Owner of a table's series, their point buffers and the entry log: frees them, and is
/// copied whole when a table shared by two values is mutated (copy on write, checked by
/// `SeriesTable`). Unchecked Sendable: a storage reachable from two values is never mutated.
final class SeriesStorage: @unchecked Sendable {
    @exclusivity(unchecked) var series: [Series] = []
    /// One per series when `keepsTotals`, else empty.
    @exclusivity(unchecked) var totals: [SeriesTotal] = []
    /// One per series.
    @exclusivity(unchecked) var bases: [SeriesBase] = []
    @exclusivity(unchecked) var log = EntryLog()
    let keepsTotals: Bool

    init(keepsTotals: Bool) { self.keepsTotals = keepsTotals }

    deinit {
        for s in series { s.points?.deallocate() }  // trivial contents: no deinitialize
        log.deallocateAll()
    }

    func copy() -> SeriesStorage {
        let c = SeriesStorage(keepsTotals: keepsTotals)
        c.totals = totals
        c.bases = bases
        c.log = log.copy()
        c.series = series.map { s in
            var t = s
            t.points = s.copiedPoints()
            return t
        }
        return c
    }
}

/// Read access to a table's series for a query: valid while the table value it came from is
/// alive and not mutated.
struct SeriesReader {
    let series: UnsafeBufferPointer<Series>
    /// Each series' total, or empty when the table keeps none.
    let totals: UnsafeBufferPointer<SeriesTotal>
    let bases: UnsafeBufferPointer<SeriesBase>
    let log: LogChunks

    var count: Int { series.count }
    var hasTotals: Bool { totals.count == series.count }

    @inline(__always) func key(_ id: Int32) -> SeriesKey { series[Int(id)].key }
    @inline(__always) func base(_ id: Int32) -> UnsafePointer<SeriesBase> { bases.baseAddress! + Int(id) }

    /// The sum of series `id`'s minutes in `lo...hi` (from its total when the table keeps
    /// them and the window allows); nil when no retained minute lies in it.
    @inline(__always)
    func sum(_ id: Int32, lo: Int32, hi: Int32) -> SampleAggregate? {
        hasTotals
            ? series[Int(id)].sum(lo: lo, hi: hi, total: totals[Int(id)], base: base(id), log: log)
            : series[Int(id)].sum(lo: lo, hi: hi, base: base(id), log: log)
    }
}

/// A sample made during a batch apply, to be added to its two series at the end of the batch
/// (`AccountMetrics.addPendingSamples`).
struct PendingSample: Sendable {
    var agentLevel: Int32
    var groupLevel: Int32
    var minute: Int32
    var delta: SampleAggregate
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

    /// Reads the table in place (no copy of the series array).
    func withReader<R>(_ body: (SeriesReader) throws -> R) rethrows -> R {
        try storage.series.withUnsafeBufferPointer { s in
            try storage.totals.withUnsafeBufferPointer { t in
                try storage.bases.withUnsafeBufferPointer { b in
                    try storage.log.withChunks { c in try body(SeriesReader(series: s, totals: t, bases: b, log: c)) }
                }
            }
        }
    }

    /// Series `id` as snapshots write it (`Series.entries`).
    func entries(of id: Int32) -> [SeriesEntry] {
        storage.log.withChunks { storage.series[Int(id)].entries(base: storage.bases[Int(id)], $0) }
    }

    /// The sum of series `id`'s minutes in `lo...hi` read from its entries.
    func sum(_ id: Int32, lo: Int32, hi: Int32) -> SampleAggregate? {
        withReader { r in r.series[Int(id)].sum(lo: lo, hi: hi, base: r.base(id), log: r.log) }
    }

    /// The same, from the series' total where it can (tables that keep totals).
    func sumUsingTotal(_ id: Int32, lo: Int32, hi: Int32) -> SampleAggregate? {
        withReader { r in r.series[Int(id)].sum(lo: lo, hi: hi, total: r.totals[Int(id)], base: r.base(id), log: r.log) }
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    mutating func newSeries(_ key: SeriesKey) -> Int32 {
        makeUnique()
        storage.series.append(Series(key: key))
        storage.bases.append(SeriesBase())
        if storage.keepsTotals { storage.totals.append(SeriesTotal()) }
        return Int32(storage.series.count - 1)
    }

    /// Adds a series holding `entries` (base first, as `Series.entries` gives them) with
    /// `head` (≥ 1; entries before `head - 1` are dropped) — for loading a snapshot. Returns
    /// its id.
    mutating func restoreSeries(_ key: SeriesKey, entries: UnsafeBufferPointer<SeriesEntry>, head: Int32) -> Int32 {
        makeUnique()
        var s = Series(key: key)
        var base = SeriesBase()
        let h = max(1, Int(head))
        if entries.count > 0 && h <= entries.count {
            base = SeriesBase(minute: entries[h - 1].minute, cumulative: entries[h - 1].cumulative)
            let n = entries.count - h
            let q = UnsafeMutablePointer<SeriesPoint>.allocate(capacity: max(n, 1) + Series.lastWords)
            for k in 0..<n {
                let e = entries[h + k]
                let position = k == n - 1
                    ? SeriesPoint.unsealed : storage.log.append(e.cumulative, minute: e.minute)
                (q + k).initialize(to: SeriesPoint(minute: e.minute, position: position))
            }
            UnsafeMutableRawPointer(q + n).storeBytes(of: entries[entries.count - 1].cumulative, as: SampleAggregate.self)
            s.points = q
            s.count = Int32(n)
            s.capacity = Int32(max(n, 1))
            if n > 0 { s.lastMinute = entries[entries.count - 1].minute }
        }
        storage.series.append(s)
        storage.bases.append(base)
        if storage.keepsTotals {
            storage.totals.append(storage.log.withChunks { SeriesTotal(s, base: base.cumulative, $0) })
        }
        return Int32(storage.series.count - 1)
    }

    @inline(__always)
    mutating func add(_ delta: SampleAggregate, minute: Int32, to id: Int32) {
        makeUnique()
        addToUnique(delta, minute: minute, to: id)
    }

    /// `add(_:minute:to:)` once the storage is known to be this value's alone.
    @inline(__always)
    private func addToUnique(_ delta: SampleAggregate, minute: Int32, to id: Int32) {
        let i = Int(id)
        if storage.keepsTotals {
            let wasEmpty = storage.series[i].isEmpty
            if !storage.series[i].add(delta, minute: minute, log: &storage.log) {
                storage.series[i].addLate(delta, minute: minute, base: storage.bases[i].cumulative, log: &storage.log)
            }
            storage.totals[i].add(delta, minute: minute, wasEmpty: wasEmpty)
        } else if !storage.series[i].add(delta, minute: minute, log: &storage.log) {
            storage.series[i].addLate(delta, minute: minute, base: storage.bases[i].cumulative, log: &storage.log)
        }
    }

    /// Adds `samples` to this table's series (their `agentLevel` or `groupLevel` id), in order:
    /// the same as adding them one by one, but with the header of the sample `2 * distance`
    /// ahead and the last minute of the one `distance` ahead prefetched, so that their misses
    /// overlap.
    mutating func add(_ samples: UnsafeBufferPointer<PendingSample>, agentLevel: Bool) {
        makeUnique()
        let n = samples.count
        let d = Self.prefetchDistance
        @inline(__always) func id(_ i: Int) -> Int32 { agentLevel ? samples[i].agentLevel : samples[i].groupLevel }
        for i in 0..<(n + 2 * d) {
            if i < n {
                prefetchSeries(id(i))
                prefetchTotal(id(i))
            }
            if i >= d && i - d < n { prefetchLastEntry(id(i - d)) }
            if i >= 2 * d {
                let s = samples[i - 2 * d]
                addToUnique(s.delta, minute: s.minute, to: id(i - 2 * d))
            }
        }
    }

    static let prefetchDistance = 8

    /// Prefetches series `id`'s header for writing (nothing when out of range): the fields a
    /// sample reads and `last`, which it writes.
    @inline(__always)
    func prefetchSeries(_ id: Int32) {
        storage.series.withUnsafeBufferPointer { b in
            if id >= 0 && Int(id) < b.count, let p = b.baseAddress {
                let s = UnsafeRawPointer(p + Int(id))
                cprefetch_write(s)
                cprefetch_write(s + (MemoryLayout<Series>.size - 1))
            }
        }
    }

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

    /// Prefetches for writing series `id`'s last point and where the next one would be
    /// appended (the header must have been prefetched before: this reads it).
    @inline(__always)
    func prefetchLastEntry(_ id: Int32) {
        guard id >= 0, Int(id) < storage.series.count else { return }
        let s = storage.series[Int(id)]
        guard let p = s.points else { return }
        // The last point (when there is one) through the end of `last`.
        let end = UnsafeRawPointer(p + Int(s.count)) + (MemoryLayout<SampleAggregate>.size - 1)
        cprefetch_write(UnsafeRawPointer(p + max(0, Int(s.count) - 1)))
        cprefetch_write(end)
    }

    mutating func prune(before cutoff: Int32) {
        makeUnique()
        let s = storage
        s.log.withChunks { chunks in
            s.series.withUnsafeMutableBufferPointer { all in
                s.bases.withUnsafeMutableBufferPointer { bases in
                    for i in all.indices { all[i].prune(before: cutoff, base: &bases[i], log: chunks) }
                }
            }
        }
        s.log.release(before: cutoff)
        if s.keepsTotals {
            s.totals = s.log.withChunks { c in
                zip(s.series, s.bases).map { SeriesTotal($0, base: $1.cumulative, c) }
            }
        }
    }

    /// Whether every kept total equals what the entries give (a test's check).
    var totalsMatchEntries: Bool {
        guard storage.keepsTotals else { return storage.totals.isEmpty }
        guard storage.totals.count == storage.series.count else { return false }
        return storage.log.withChunks { c in
            !storage.series.indices.contains { i in
                let s = storage.series[i]
                return !s.isEmpty && SeriesTotal(s, base: storage.bases[i].cumulative, c) != storage.totals[i]
            }
        }
    }

    var entryCount: Int { storage.series.reduce(0) { $0 + $1.retainedCount } }
    /// Chunks of the entry log allocated (a test's check).
    var logChunks: Int { storage.log.liveChunks }
}
