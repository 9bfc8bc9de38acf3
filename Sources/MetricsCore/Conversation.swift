import CPrefetch

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
/// The id → slot index is an `IdSlotTable` confirmed against the record's id: the record is
/// read anyway by every event, so an id lookup costs about one cache miss more than the record
/// itself, instead of the Swift dictionary's separate bucket, key and value arrays.
struct ConversationTable: Sendable {
    var records = RecordArray()
    /// id → slot of every record not free (open conversations and remembered closed ones).
    var index: IdSlotTable
    /// Ids in the index.
    var indexCount: Int { index.count }
    var free: [Int32] = []
    /// Closed conversations in closing order, for pruning their tombstones.
    var closedQueue: [Int32] = []
    var closedQueueHead = 0

    init(hash: IdHash = .processSeeded) { index = IdSlotTable(hash: hash) }

    func find(_ id: String) -> Int32? {
        find(id, tag: index.tag(id))
    }

    /// `find(id)` with the id's tag already computed (`index.tag(id)`).
    @inline(__always)
    func find(_ id: String, tag: UInt32) -> Int32? {
        index.find(tag: tag) { records[Int($0)].id == id }
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
        index.insert(r.id, slot: c)
        return c
    }

    /// Rebuilds the index from `records` and `free` (every slot not free is indexed). The
    /// index depends on the hash seed, so a snapshot stores records and the free
    /// list, never `indexSlots`, and calls this after loading them.
    mutating func rebuildIndex() {
        var isFree = [Bool](repeating: false, count: records.count)
        for c in free { isFree[Int(c)] = true }
        index = IdSlotTable(hash: index.hash, capacity: records.count - free.count)
        for c in records.indices where !isFree[c] { index.insert(records[c].id, slot: Int32(c)) }
    }

    /// Forgets closed conversations closed before `cutoff` (by close time, in close order).
    mutating func prune(closedBefore cutoff: Int64) {
        while closedQueueHead < closedQueue.count {
            let c = closedQueue[closedQueueHead]
            let r = records[Int(c)]
            guard r.closedAt < cutoff else { break }
            index.remove(r.id, slot: c)
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

/// The conversation records, each on one 64-byte cache line: an `Array`'s elements start 32
/// bytes after its heap block (16 mod 64 with glibc's large blocks), so every 64-byte record
/// straddled two lines and each event read both (the id for the lookup, the fields after it).
/// Value semantics by copy on write, like `Array` (`makeUnique` before every mutation).
struct RecordArray: RandomAccessCollection, MutableCollection, Sendable {
    /// Owner of the aligned buffer. Unchecked Sendable: a storage reachable from two values is
    /// never mutated (`makeUnique` copies it first), and `ConversationRecord` is Sendable.
    final class Storage: @unchecked Sendable {
        var base: UnsafeMutablePointer<ConversationRecord>
        var count = 0
        var capacity: Int

        init(capacity: Int) {
            self.capacity = Swift.max(capacity, 16)
            base = UnsafeMutableRawPointer.allocate(
                byteCount: self.capacity * MemoryLayout<ConversationRecord>.stride, alignment: 64
            ).bindMemory(to: ConversationRecord.self, capacity: self.capacity)
        }

        deinit {
            base.deinitialize(count: count)
            UnsafeMutableRawPointer(base).deallocate()
        }

        func copy(capacity: Int) -> Storage {
            let c = Storage(capacity: capacity)
            c.base.initialize(from: base, count: count)
            c.count = count
            return c
        }

        /// Moves the records into a larger buffer (this storage is uniquely referenced).
        func grow(to newCapacity: Int) {
            let c = Storage(capacity: newCapacity)
            c.base.moveInitialize(from: base, count: count)
            swap(&base, &c.base)
            swap(&capacity, &c.capacity)
            // `c` now owns the old, emptied buffer: its count of 0 makes its deinit only free it.
        }
    }

    private var storage = Storage(capacity: 0)

    init() {}

    var startIndex: Int { 0 }
    var endIndex: Int { storage.count }

    subscript(i: Int) -> ConversationRecord {
        get {
            precondition(i >= 0 && i < storage.count, "record index out of range")
            return storage.base[i]
        }
        _modify {
            precondition(i >= 0 && i < storage.count, "record index out of range")
            makeUnique()
            yield &storage.base[i]
        }
    }

    /// Prefetches record `i`'s cache line for writing (nothing when out of range).
    @inline(__always)
    func prefetchForWrite(_ i: Int) {
        if i >= 0 && i < storage.count { cprefetch_write(storage.base + i) }
    }

    /// The first record's address (for checking the alignment).
    var baseAddress: UnsafeRawPointer { UnsafeRawPointer(storage.base) }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
    }

    mutating func append(_ r: ConversationRecord) {
        makeUnique()
        if storage.count == storage.capacity { storage.grow(to: storage.capacity * 2) }
        (storage.base + storage.count).initialize(to: r)
        storage.count += 1
    }

    mutating func reserveCapacity(_ n: Int) {
        makeUnique()
        if n > storage.capacity { storage.grow(to: n) }
    }
}

/// Reflects as its records, like an `Array` (not as a buffer address and capacity).
extension RecordArray: CustomReflectable {
    var customMirror: Mirror { Mirror(self, unlabeledChildren: Array(self), displayStyle: .collection) }
}
