/// A conversation's state: what the current-value metrics read and the bookkeeping the
/// response samples need. 64 bytes (every event reads one record at random among ~2 M):
/// no Optionals, flags in one byte, no field only written.
struct ConversationRecord: Sendable {
    var id: String
    var openedAt: Int64
    /// Time of the latest accepted event (events of a conversation must not go back in time).
    /// Once closed, no later event is accepted, so it is also the close time.
    var lastTime: Int64
    var assignedAt: Int64 = 0
    /// Pending since this time; `notPending` when not pending.
    var pendingRaw: Int64 = ConversationRecord.notPending
    var skill: Int32
    var agent: Int32 = -1
    var positionInAgent: Int32 = 0
    var flags: UInt8 = ConversationRecord.openFlag

    static let notPending = Int64.min
    static let openFlag: UInt8 = 1
    static let hadHumanFlag: UInt8 = 2
    static let firstHumanFlag: UInt8 = 4
    static let awaitsFlag: UInt8 = 8
    static let waitFirstFlag: UInt8 = 16

    init(id: String, skill: Int32, openedAt: Int64, lastTime: Int64) {
        self.id = id
        self.skill = skill
        self.openedAt = openedAt
        self.lastTime = lastTime
    }

    @inline(__always) private func flag(_ f: UInt8) -> Bool { flags & f != 0 }
    @inline(__always) private mutating func set(_ f: UInt8, _ on: Bool) {
        flags = on ? flags | f : flags & ~f
    }

    var isOpen: Bool {
        get { flag(Self.openFlag) }
        set { set(Self.openFlag, newValue) }
    }
    /// The close time (meaningful once closed).
    var closedAt: Int64 { lastTime }
    /// Pending since this time; nil when not pending.
    var pendingSince: Int64? {
        get { pendingRaw == Self.notPending ? nil : pendingRaw }
        set { pendingRaw = newValue ?? Self.notPending }
    }
    /// The conversation has had an assignment to a HUMAN agent.
    var hadHumanAssignment: Bool {
        get { flag(Self.hadHumanFlag) }
        set { set(Self.hadHumanFlag, newValue) }
    }
    /// The current assignment is the conversation's first assignment to a HUMAN agent.
    var currentIsFirstHuman: Bool {
        get { flag(Self.firstHumanFlag) }
        set { set(Self.firstHumanFlag, newValue) }
    }
    /// The current assignment is to a HUMAN agent (at assignment time) and its assignee has
    /// not written yet.
    var currentAwaitsFirstMessage: Bool {
        get { flag(Self.awaitsFlag) }
        set { set(Self.awaitsFlag, newValue) }
    }
    /// avgWaitTimeFirstResponse was already sampled for this conversation.
    var waitFirstSampled: Bool {
        get { flag(Self.waitFirstFlag) }
        set { set(Self.waitFirstFlag, newValue) }
    }
}

/// Conversations by id, with slots of forgotten (pruned) closed conversations reused.
///
/// The id → slot index is an open-addressing table (linear probing) of 8-byte entries:
/// the low 32 bits of the id's hash (which also give the home position, so growing never
/// rehashes a string) and the record slot + 1 (0 = empty). A lookup reads one table entry and
/// then the record, whose id confirms the match — the record is read anyway by every event,
/// so an id lookup costs about one cache miss instead of the Swift dictionary's separate
/// bucket, key and value arrays. Hashing is the standard library's seeded `Hasher`
/// (`String.hashValue`), so ids chosen to collide cannot be precomputed, and equality is
/// `String ==`: exactly the semantics of the `[String: Int32]` this replaced.
struct ConversationTable: Sendable {
    var records: [ConversationRecord] = []
    /// Open-addressing slots, a power of two long (or empty); see the type comment.
    var indexSlots: [UInt64] = []
    /// Ids in the index (open conversations and remembered closed ones).
    var indexCount = 0
    var free: [Int32] = []
    /// Closed conversations in closing order, for pruning their tombstones.
    var closedQueue: [Int32] = []
    var closedQueueHead = 0

    @inline(__always)
    private static func tag(_ id: String) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt(bitPattern: id.hashValue))
    }

    func find(_ id: String) -> Int32? {
        let n = indexSlots.count
        guard n > 0 else { return nil }
        let tag = Self.tag(id)
        let mask = n - 1
        var i = Int(tag) & mask
        while true {
            let e = indexSlots[i]
            if e == 0 { return nil }
            if UInt32(truncatingIfNeeded: e >> 32) == tag {
                let c = Int32(truncatingIfNeeded: e) &- 1
                if records[Int(c)].id == id { return c }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Adds a record whose id is not in the index.
    mutating func insert(_ r: ConversationRecord) -> Int32 {
        let c: Int32
        if let slot = free.popLast() {
            c = slot
            records[Int(slot)] = r
        } else {
            c = Int32(records.count)
            records.append(r)
        }
        if (indexCount + 1) * 2 > indexSlots.count { growIndex() }
        let tag = Self.tag(r.id)
        place(UInt64(tag) << 32 | UInt64(UInt32(c) &+ 1))
        indexCount += 1
        return c
    }

    private mutating func place(_ entry: UInt64) {
        let mask = indexSlots.count - 1
        var i = Int(UInt32(truncatingIfNeeded: entry >> 32)) & mask
        while indexSlots[i] != 0 { i = (i &+ 1) & mask }
        indexSlots[i] = entry
    }

    private mutating func growIndex() {
        let old = indexSlots
        indexSlots = [UInt64](repeating: 0, count: max(16, old.count * 2))
        for e in old where e != 0 { place(e) }
    }

    /// Removes conversation slot `c` (whose id is `id`) from the index: backward-shift
    /// deletion, so probe chains never hold tombstones.
    private mutating func removeFromIndex(_ c: Int32, id: String) {
        let mask = indexSlots.count - 1
        let want = UInt64(UInt32(c) &+ 1)
        var i = Int(Self.tag(id)) & mask
        while indexSlots[i] & 0xFFFF_FFFF != want {
            precondition(indexSlots[i] != 0, "conversation index lost slot \(c)")
            i = (i &+ 1) & mask
        }
        var j = i
        while true {
            j = (j &+ 1) & mask
            let e = indexSlots[j]
            if e == 0 { break }
            let home = Int(UInt32(truncatingIfNeeded: e >> 32)) & mask
            // Move e into the hole at i unless its home lies cyclically in (i, j].
            let homeInRange = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !homeInRange {
                indexSlots[i] = e
                i = j
            }
        }
        indexSlots[i] = 0
        indexCount -= 1
    }

    /// Rebuilds the index from `records` and `free` (every slot not free is indexed). The
    /// index depends on the process's hash seed, so a snapshot stores records and the free
    /// list, never `indexSlots`, and calls this after loading them.
    mutating func rebuildIndex() {
        var isFree = [Bool](repeating: false, count: records.count)
        for c in free { isFree[Int(c)] = true }
        let live = records.count - free.count
        var n = 16
        while n < live * 2 { n *= 2 }
        indexSlots = [UInt64](repeating: 0, count: n)
        indexCount = 0
        for c in records.indices where !isFree[c] {
            place(UInt64(Self.tag(records[c].id)) << 32 | UInt64(UInt32(c) &+ 1))
            indexCount += 1
        }
    }

    /// Forgets closed conversations closed before `cutoff` (by close time, in close order).
    mutating func prune(closedBefore cutoff: Int64) {
        while closedQueueHead < closedQueue.count {
            let c = closedQueue[closedQueueHead]
            let r = records[Int(c)]
            guard r.closedAt < cutoff else { break }
            removeFromIndex(c, id: r.id)
            records[Int(c)].id = ""
            free.append(c)
            closedQueueHead += 1
        }
        if closedQueueHead >= 1024 && closedQueueHead * 2 >= closedQueue.count {
            closedQueue.removeFirst(closedQueueHead)
            closedQueueHead = 0
        }
    }
}
