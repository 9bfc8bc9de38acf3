/// An open-addressing index from string ids to dense `Int32` slots, shared by the conversation
/// table and the interners.
///
/// Linear probing over 8-byte entries: the low 32 bits of the id's hash (`IdHash`, keyed by a
/// seed from the account's owner, so ids chosen to collide cannot be precomputed; it also
/// gives the home position, so growing never rehashes a string) in the high half, slot + 1 in
/// the low half, 0 = empty. The owner keeps the ids: a tag match is confirmed by comparing the
/// owner's id at that slot (`matches`), which the owner reads anyway — one table read and one
/// id read per lookup instead of a dictionary's bitmap, key and value arrays. Equality is
/// `String ==`, exactly a `[String: Int32]`'s semantics. The layout depends on the hash seed
/// and on growth history, so a snapshot never stores it: the owner rebuilds it from its ids.
struct IdSlotTable: Sendable {
    private var probes: [UInt64] = []
    /// Ids indexed.
    private(set) var count = 0
    /// The hash of the ids (every table of an account has the same).
    let hash: IdHash

    /// The tag of `id` (a pure function of the id and the hash's seed): callers that look
    /// the same id up in several places, or ahead of time, compute it once.
    @inline(__always)
    func tag(_ id: String) -> UInt32 { hash.tag(id) }

    /// The slot of `id`: the first entry with its tag whose slot `matches`.
    @inline(__always)
    func find(_ id: String, matches: (Int32) -> Bool) -> Int32? {
        find(tag: tag(id), matches: matches)
    }

    /// The slot of the id whose tag is `tag` (`Self.tag(id)`): the first entry with that tag
    /// whose slot `matches`.
    @inline(__always)
    func find(tag: UInt32, matches: (Int32) -> Bool) -> Int32? {
        let n = probes.count
        guard n > 0 else { return nil }
        let mask = n - 1
        var i = Int(tag) & mask
        while true {
            let e = probes[i]
            if e == 0 { return nil }
            if UInt32(truncatingIfNeeded: e >> 32) == tag {
                let c = Int32(truncatingIfNeeded: e) &- 1
                if matches(c) { return c }
            }
            i = (i &+ 1) & mask
        }
    }

    /// The slot of the first entry along `tag`'s probe chain that carries the tag, else nil:
    /// a hint only (another id may have the same tag), for prefetching the owner's record
    /// ahead of the real lookup. Scans at most 16 entries (chains are short at load ≤ 1/2;
    /// the entries after home are mostly on its cache line).
    @inline(__always)
    func hintSlot(tag: UInt32) -> Int32? {
        let n = probes.count
        guard n > 0 else { return nil }
        let mask = n - 1
        var i = Int(tag) & mask
        for _ in 0..<16 {
            let e = probes[i]
            if e == 0 { return nil }
            if UInt32(truncatingIfNeeded: e >> 32) == tag { return Int32(truncatingIfNeeded: e) &- 1 }
            i = (i &+ 1) & mask
        }
        return nil
    }

    /// Prefetches the home entry of `tag` (for a lookup soon).
    @inline(__always)
    func prefetchHome(tag: UInt32) {
        probes.prefetch(Int(tag) & (probes.count &- 1))
    }

    /// Indexes `id` at `slot` (the caller knows `id` is not indexed). Keeps the load ≤ 1/2.
    mutating func insert(_ id: String, slot: Int32) {
        insert(tag: tag(id), slot: slot)
    }

    /// Indexes the id whose tag is `tag` at `slot` (the id is not indexed).
    mutating func insert(tag: UInt32, slot: Int32) {
        if (count + 1) * 2 > probes.count {
            let old = probes
            probes = [UInt64](repeating: 0, count: max(16, old.count * 2))
            for e in old where e != 0 { place(e) }
        }
        place(UInt64(tag) << 32 | UInt64(UInt32(slot) &+ 1))
        count += 1
    }

    /// Removes `slot` (whose id is `id`): backward-shift deletion, so probe chains never hold
    /// tombstones. The slot must be indexed.
    mutating func remove(_ id: String, slot: Int32) {
        remove(tag: tag(id), slot: slot)
    }

    /// Removes `slot`, whose id's tag is `tag`.
    mutating func remove(tag: UInt32, slot: Int32) {
        let mask = probes.count - 1
        let want = UInt64(UInt32(slot) &+ 1)
        var i = Int(tag) & mask
        while probes[i] & 0xFFFF_FFFF != want {
            precondition(probes[i] != 0, "id index lost slot \(slot)")
            i = (i &+ 1) & mask
        }
        var j = i
        while true {
            j = (j &+ 1) & mask
            let e = probes[j]
            if e == 0 { break }
            let home = Int(UInt32(truncatingIfNeeded: e >> 32)) & mask
            // Move e into the hole at i unless its home lies cyclically in (i, j].
            let homeInRange = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !homeInRange {
                probes[i] = e
                i = j
            }
        }
        probes[i] = 0
        count -= 1
    }

    /// An empty table hashing with `hash`, sized for `n` ids without growing (for rebuilding
    /// after a restore).
    init(hash: IdHash = .processSeeded, capacity n: Int = 0) {
        self.hash = hash
        guard n > 0 else { return }
        var size = 16
        while size < n * 2 { size *= 2 }
        probes = [UInt64](repeating: 0, count: size)
    }

    private mutating func place(_ entry: UInt64) {
        let mask = probes.count - 1
        var i = Int(UInt32(truncatingIfNeeded: entry >> 32)) & mask
        while probes[i] != 0 { i = (i &+ 1) & mask }
        probes[i] = entry
    }
}
