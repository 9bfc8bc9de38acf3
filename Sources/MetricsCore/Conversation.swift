/// A conversation's state: what the current-value metrics read and the bookkeeping the
/// response samples need.
struct ConversationRecord: Sendable {
    var id: String
    var skill: Int32
    var openedAt: Int64
    /// Time of the latest accepted event (events of a conversation must not go back in time).
    var lastTime: Int64
    var isOpen: Bool = true
    var closedAt: Int64 = 0
    var agent: Int32 = -1
    var weight: Double = 1
    var assignedAt: Int64 = 0
    var positionInAgent: Int = 0
    /// Pending since this time; nil when not pending.
    var pendingSince: Int64?
    /// The conversation has had an assignment to a HUMAN agent.
    var hadHumanAssignment = false
    /// The current assignment is the conversation's first assignment to a HUMAN agent.
    var currentIsFirstHuman = false
    /// The current assignment is to a HUMAN agent (at assignment time) and its assignee has
    /// not written yet.
    var currentAwaitsFirstMessage = false
    /// avgWaitTimeFirstResponse was already sampled for this conversation.
    var waitFirstSampled = false
}

/// Conversations by id, with slots of forgotten (pruned) closed conversations reused.
struct ConversationTable: Sendable {
    var records: [ConversationRecord] = []
    var index: [String: Int32] = [:]
    var free: [Int32] = []
    /// Closed conversations in closing order, for pruning their tombstones.
    var closedQueue: [Int32] = []
    var closedQueueHead = 0

    func find(_ id: String) -> Int32? { index[id] }

    mutating func insert(_ r: ConversationRecord) -> Int32 {
        if let slot = free.popLast() {
            records[Int(slot)] = r
            index[r.id] = slot
            return slot
        }
        let c = Int32(records.count)
        records.append(r)
        index[r.id] = c
        return c
    }

    /// Forgets closed conversations closed before `cutoff` (by close time, in close order).
    mutating func prune(closedBefore cutoff: Int64) {
        while closedQueueHead < closedQueue.count {
            let c = closedQueue[closedQueueHead]
            let r = records[Int(c)]
            guard r.closedAt < cutoff else { break }
            index[r.id] = nil
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
