import CPrefetch

/// The outcome of applying one event. A rejected event changed nothing.
public enum ApplyOutcome: Sendable, Equatable {
    case applied
    case rejected(reason: String)

    public var isApplied: Bool { self == .applied }
}

/// Retention and validity limits (SPEC §3 "Retention").
public enum Retention {
    public static let minuteMs: Int64 = 60_000
    /// By-time data: the minutes `nowMinute − 1440 ... ` are kept (24 h plus the current minute).
    public static let byTimeMinutes: Int64 = 1440
    /// assignedConversations counts open conversations opened within this many ms.
    public static let openConversationMs: Int64 = 30 * 24 * 3_600_000
    /// Closed conversations are remembered (events about them rejected) this long after close.
    public static let closedConversationMs: Int64 = 24 * 3_600_000
    /// Event times outside this range are rejected: it keeps minutes in Int32 and differences
    /// of times far from overflow (1e14 ms is about the year 5138).
    public static let eventTimeRange: ClosedRange<Int64> = 0...100_000_000_000_000
    /// maxSlots outside this range is rejected, so slot sums over any account stay far from
    /// overflow.
    public static let maxSlotsRange: ClosedRange<Int> = 0...1_000_000

    /// Floor division: the minute containing `ms`.
    public static func minute(of ms: Int64) -> Int64 {
        ms >= 0 ? ms / minuteMs : -((-(ms &+ 1)) / minuteMs) - 1
    }
}

/// One account: directory, conversations, by-time series. A value type; the server confines
/// it (Mutex or actor). Its state is a function of the sequence of (event, now) applied.
public struct AccountMetrics: Sendable {
    var directory: Directory
    var conversations: ConversationTable
    /// Per (agent, group, userType, skill): for queries filtering agents or skills.
    var agentSeries = SeriesTable()
    /// Per (group, userType): for queries with neither agent nor skill dimension.
    var groupSeries = SeriesTable(keepsTotals: true)
    /// Agent-level series ids by agent / by skill (samples without agent under no agent).
    var agentSeriesRefs: [[AgentSeriesRef]] = []
    var agentSeriesBySkill: [[Int32]] = []
    var noAgentSeriesBySkill: [Int32] = []
    var groupSeriesBySlot: [Int32] = []
    /// The samples of the batch being applied, waiting to be added to their series
    /// (`addPendingSamples`); empty outside a batch apply.
    var pendingSamples: [PendingSample] = []
    /// Whether `record` leaves series updates in `pendingSamples` (only inside a batch apply).
    var defersSamples = false

    /// An empty account whose id indexes hash with a seed from the caller. The server passes
    /// one random seed per process, so ids chosen by clients to collide cannot be precomputed;
    /// the core has no randomness of its own (see docs/design.md, "Hash seeds").
    public init(hashSeed: UInt64) {
        self.init(idHash: IdHash(seed: hashSeed))
    }

    /// An empty account whose id indexes hash with the standard library's per-process seed.
    public init() {
        self.init(idHash: .processSeeded)
    }

    init(idHash: IdHash) {
        directory = Directory(hash: idHash)
        conversations = ConversationTable(hash: idHash)
    }

    /// The hash of every id index of this account.
    var idHash: IdHash { conversations.index.hash }

    public var agentCount: Int { directory.agentRecords.count }
    public var openConversationCount: Int { conversations.indexCount - closedTombstones }
    var closedTombstones: Int { conversations.closedQueue.count - conversations.closedQueueHead }

    // MARK: apply

    public mutating func apply(_ event: Event, now: Int64) -> ApplyOutcome {
        withUnsafePointer(to: event) { apply($0, now: now, tags: EventTags($0, hash: idHash)) }
    }

    /// Applies `events` in order with the same `now`; `outcome` is called with each event's
    /// position in `events` (0-based) and its outcome, in order. The effects are exactly
    /// those of `apply(_:now:)` called on each event in turn (each event is still applied
    /// alone, all or nothing); only faster, as the lookups of the next events are started
    /// before the current ones are applied, so that their cache misses overlap.
    public mutating func apply(
        _ events: ArraySlice<Event>, now: Int64, outcome: (Int, ApplyOutcome) -> Void
    ) {
        let k = Self.batchWindow
        var tags = [EventTags](repeating: EventTags(), count: k)
        var hints = [Int32](repeating: -1, count: 3 * k)
        let hash = idHash
        defersSamples = true
        events.withUnsafeBufferPointer { buf in
            var w = 0
            while w < buf.count {
                let n = min(k, buf.count - w)
                for j in 0..<n { tags[j] = EventTags(buf.baseAddress! + w + j, hash: hash) }
                readAhead(tags: tags, count: n, hints: &hints)
                for j in 0..<n { outcome(w + j, apply(buf.baseAddress! + w + j, now: now, tags: tags[j])) }
                w += n
                if pendingSamples.count >= Self.maxPendingSamples { addPendingSamples() }
            }
        }
        addPendingSamples()
        defersSamples = false
    }

    /// Pending samples that make `apply(_:now:outcome:)` add them to their series before the
    /// batch ends (a bound on the buffer, ~350 KB).
    static let maxPendingSamples = 4096

    /// Adds the pending samples to their series, each series' in the order they were made.
    /// Apart, in a loop that does nothing else, the series updates of many samples are in
    /// flight at once (`SeriesTable.add(_:)`); inside the event pipeline each sample waited
    /// for its series' header and last minute (docs/benchmarks.md, 2026-12-02).
    private mutating func addPendingSamples() {
        guard !pendingSamples.isEmpty else { return }
        pendingSamples.withUnsafeBufferPointer { p in
            agentSeries.add(p, agentLevel: true)
            groupSeries.add(p, agentLevel: false)
        }
        pendingSamples.removeAll(keepingCapacity: true)
    }

    /// Events per window of the batch apply: the lookups of a window are started together.
    static let batchWindow = 32

    /// Prefetches what applying the next `count` events will read, in passes over the window
    /// (each pass reads what the previous one prefetched and prefetches the next level), so
    /// that the cache misses of the window's events are in flight at once. Prefetches neither
    /// block nor fault: only hints (`IdSlotTable.hintSlot`: the first entry along an id's
    /// probe chain with its tag) are used, bounds-checked, and the real lookups happen in
    /// `apply`. Changes nothing.
    /// `hints` holds 3 per event: conversation slot, event's agent, then record's agent.
    /// The series a sample goes to are not read ahead: batch apply adds samples to them after
    /// the window (`addPendingSamples`).
    private func readAhead(tags: [EventTags], count n: Int, hints: inout [Int32]) {
        // The index entries (conversation and agent).
        for j in 0..<n {
            let t = tags[j]
            if t.hasConversation { conversations.index.prefetchHome(tag: t.conversation) }
            if t.hasAgent { directory.agents.prefetchHome(tag: t.agent) }
        }
        // The records and agents they name.
        let nRecords = conversations.records.count
        let nAgents = directory.agentHot.count
        for j in 0..<n {
            let t = tags[j]
            var c: Int32 = -1
            if t.hasConversation, let s = conversations.index.hintSlot(tag: t.conversation), Int(s) < nRecords {
                c = s
                conversations.records.prefetchForWrite(Int(s))
            }
            var a: Int32 = -1
            if t.hasAgent, let s = directory.agents.hintSlot(tag: t.agent), s >= 0, Int(s) < nAgents {
                a = s
                directory.agents.prefetchId(Int(s))
                prefetchAgent(Int(s), t.eventAgentReads)
            }
            hints[3 * j] = c
            hints[3 * j + 1] = a
        }
        // The records' agents.
        for j in 0..<n {
            let c = Int(hints[3 * j])
            var ra: Int32 = -1
            if c >= 0 {
                ra = conversations.records[c].agent
                if ra >= 0 && Int(ra) < nAgents && !tags[j].recordAgentReads.isEmpty {
                    prefetchAgent(Int(ra), tags[j].recordAgentReads)
                } else {
                    ra = -1
                }
            }
            hints[3 * j + 2] = ra
        }
        // The agents' lists.
        for j in 0..<n {
            let a = Int(hints[3 * j + 1])
            if a >= 0 { prefetchAgentLists(a, tags[j].eventAgentReads) }
            let ra = Int(hints[3 * j + 2])
            if ra >= 0 { prefetchAgentLists(ra, tags[j].recordAgentReads) }
        }
    }

    /// Prefetches agent `a`'s attributes and the list headers that `reads` names.
    @inline(__always)
    private func prefetchAgent(_ a: Int, _ reads: EventTags.AgentReads) {
        directory.agentHot.prefetch(a)
        if reads.contains(.assigned) { directory.agentAssigned.prefetch(a) }
        if reads.contains(.series) { agentSeriesRefs.prefetch(a) }
    }

    /// Prefetches the start of the lists that `reads` names (their headers prefetched before).
    @inline(__always)
    private func prefetchAgentLists(_ a: Int, _ reads: EventTags.AgentReads) {
        if reads.contains(.assigned) { directory.agentAssigned.prefetchElementStorage(a) }
        if reads.contains(.series) { agentSeriesRefs.prefetchElementStorage(a) }
    }

    /// Applies one event in two parts: `resolve` reads the event in place (its strings only
    /// borrowed) and turns it into a `Step` of indexes, or a rejection; then the mutation part
    /// works on the indexes alone. Mutating `self` while the event's payload is bound made the
    /// compiler copy the whole event (retaining each of its strings) several times per apply.
    /// The event is passed by address so that it is read in place: passed by value to a
    /// mutating method, an event held in memory the method might write (any unsafe buffer,
    /// as far as the compiler knows) is copied first. Only the storing path copies it.
    @inline(__always)
    private mutating func apply(_ event: UnsafePointer<Event>, now: Int64, tags: EventTags) -> ApplyOutcome {
        let t = event.pointee.time
        guard Retention.eventTimeRange.contains(t) else {
            return .rejected(reason: "time \(t) is out of range")
        }
        switch resolve(event.pointee, tags: tags) {
        case let .rejected(rejection):
            return .rejected(reason: Self.reason(rejection, event.pointee))
        case let .storing(c):
            return applyStoring(event.pointee, conversation: c, now: now)
        case let .agentState(a, state):
            directory.agentHot[Int(a)].state = state
        case let .conversation(c, step):
            applyToConversation(c, step, time: t, now: now)
        }
        return .applied
    }

    /// The events that store strings of theirs (directory upserts, a conversation's open, a
    /// skill change to a skill id not interned yet). `resolve` checked the conversation
    /// events (`c` is the conversation of a skill change); directory events are checked here.
    private mutating func applyStoring(_ event: Event, conversation c: Int32, now: Int64) -> ApplyOutcome {
        let t = event.time
        switch event.kind {
        case let .skillUpserted(skillId, name):
            let s = directory.internSkill(skillId)
            directory.skillNames[Int(s)] = name

        case let .agentGroupUpserted(groupId, name, parentId):
            if let reason = directory.upsertGroup(id: groupId, name: name, parentId: parentId) {
                return .rejected(reason: reason)
            }

        case let .agentUpserted(agentId, name, userType, groupId, skillIds, maxSlots):
            guard Retention.maxSlotsRange.contains(maxSlots) else {
                return .rejected(reason: "agent \(agentId): maxSlots \(maxSlots) is out of range")
            }
            directory.upsertAgent(
                id: agentId, name: name, userType: userType, groupId: groupId, skillIds: skillIds,
                maxSlots: maxSlots)
            while agentSeriesRefs.count < directory.agentRecords.count { agentSeriesRefs.append([]) }

        case let .conversationOpened(conversationId, skillId):
            let s = directory.internSkill(skillId)
            _ = conversations.insert(
                ConversationRecord(id: conversationId, skill: s, openedAt: t, lastTime: t))

        case let .skillChanged(_, skillId):
            let s = directory.internSkill(skillId)
            applyToConversation(c, .skillChanged(skill: s), time: t, now: now)

        default:
            preconditionFailure("resolve routes only storing events here")
        }
        return .applied
    }

    /// Applies `step` (checked by `resolve`) to conversation `c` at event time `t`.
    private mutating func applyToConversation(_ c: Int32, _ step: ConversationStep, time t: Int64, now: Int64) {
        let ci = Int(c)
        let sampleMinute = Retention.minute(of: t)
        let keepSamples = sampleMinute >= Retention.minute(of: now) - Retention.byTimeMinutes

        switch step {
        case .consumerMessage:
            if conversations.records[ci].pendingSince == nil {
                conversations.records[ci].pendingSince = t
            }

        case let .assigned(a, weight):
            unassign(c)
            let human = directory.agentHot[Int(a)].userType == .human
            var r = conversations.records[ci]
            r.agent = a
            r.assignedAt = t
            r.currentAwaitsFirstMessage = human
            r.currentIsFirstHuman = human && !r.hadHumanAssignment
            if human { r.hadHumanAssignment = true }
            r.positionInAgent = Int32(directory.agentAssigned[Int(a)].count)
            conversations.records[ci] = r
            directory.agentAssigned[Int(a)].append(
                AssignedEntry(conversation: c, skill: r.skill, openedAt: r.openedAt, weight: weight))
            refreshAssignedSummary(agent: a)
            directory.skillOpenAssigned[Int(r.skill)] += 1

        case .unassigned:
            unassign(c)

        case let .agentMessage(a):
            // BOT messages neither clear pending nor make samples.
            if directory.agentHot[Int(a)].userType == .human {
                var r = conversations.records[ci]
                var delta = SampleAggregate()
                let isAssignee = r.agent == a
                if let since = r.pendingSince {
                    let wait = t &- since
                    delta.waitCount = 1
                    delta.waitSum = wait
                    if !r.waitFirstSampled {
                        r.waitFirstSampled = true
                        delta.waitFirstCount = 1
                        delta.waitFirstSum = wait
                    }
                    let start = isAssignee ? max(since, r.assignedAt) : since
                    delta.timeToResponseCount = 1
                    delta.timeToResponseSum = t &- start
                    r.pendingSince = nil
                }
                if isAssignee && r.currentAwaitsFirstMessage {
                    r.currentAwaitsFirstMessage = false
                    delta.allAssignmentsCount = 1
                    delta.allAssignmentsSum = t &- r.assignedAt
                    if r.currentIsFirstHuman {
                        delta.firstAssignmentCount = 1
                        delta.firstAssignmentSum = t &- r.assignedAt
                    }
                }
                conversations.records[ci] = r
                if keepSamples && delta != .zero {
                    record(delta, minute: sampleMinute, skill: r.skill, agent: a)
                }
            }

        case let .skillChanged(s):
            let old = conversations.records[ci].skill
            let a = conversations.records[ci].agent
            if a >= 0 {
                directory.skillOpenAssigned[Int(old)] -= 1
                directory.skillOpenAssigned[Int(s)] += 1
                directory.agentAssigned[Int(a)][Int(conversations.records[ci].positionInAgent)].skill = s
            }
            conversations.records[ci].skill = s

        case let .closed(closedBy):
            let r = conversations.records[ci]
            var delta = SampleAggregate()
            switch closedBy {
            case .agent: delta.closedByAgent = 1
            case .consumer: delta.closedByConsumer = 1
            case .system: delta.autoClosed = 1
            }
            if keepSamples {
                record(delta, minute: sampleMinute, skill: r.skill, agent: r.agent)
            }
            unassign(c)
            conversations.records[ci].isOpen = false  // closedAt is lastTime, set below
            conversations.records[ci].pendingSince = nil
            conversations.closedQueue.append(c)
        }
        conversations.records[ci].lastTime = t
    }

    private mutating func unassign(_ c: Int32) {
        let r = conversations.records[Int(c)]
        guard r.agent >= 0 else { return }
        let a = Int(r.agent)
        let pos = Int(r.positionInAgent)
        let last = directory.agentAssigned[a].count - 1
        if pos != last {
            let moved = directory.agentAssigned[a][last]
            directory.agentAssigned[a][pos] = moved
            conversations.records[Int(moved.conversation)].positionInAgent = Int32(pos)
        }
        directory.agentAssigned[a].removeLast()
        refreshAssignedSummary(agent: r.agent)
        directory.skillOpenAssigned[Int(r.skill)] -= 1
        conversations.records[Int(c)].agent = -1
        conversations.records[Int(c)].currentAwaitsFirstMessage = false
        conversations.records[Int(c)].currentIsFirstHuman = false
    }

    private mutating func refreshAssignedSummary(agent a: Int32) {
        var weight = 0.0
        var oldest = Int64.max
        for e in directory.agentAssigned[Int(a)] {
            weight += e.weight
            oldest = min(oldest, e.openedAt)
        }
        directory.agentHot[Int(a)].weightSum = weight
        directory.agentHot[Int(a)].oldestOpenedAt = oldest
        directory.agentHot[Int(a)].assignedCount = Int32(directory.agentAssigned[Int(a)].count)
    }

    /// Records one sample delta under the agent's group and user type at this moment.
    private mutating func record(_ delta: SampleAggregate, minute: Int64, skill: Int32, agent: Int32) {
        let m = Int32(truncatingIfNeeded: minute)
        var group: Int32 = -1
        var userType: Int8 = -1
        if agent >= 0 {
            let r = directory.agentHot[Int(agent)]
            group = r.group
            userType = r.userType == .human ? 0 : 1
            if directory.groupLastSampleMinute[Int(group)] < m { directory.groupLastSampleMinute[Int(group)] = m }
        }
        if directory.skillLastSampleMinute[Int(skill)] < m { directory.skillLastSampleMinute[Int(skill)] = m }
        let key = SeriesKey(agent: agent, group: group, skill: skill, userType: userType)
        let agentLevel = agentSeriesId(key)

        // Group-level slot: 0 = no agent, then two per group (HUMAN, BOT).
        let slot = agent >= 0 ? 1 + Int(group) * 2 + Int(userType) : 0
        if slot >= groupSeriesBySlot.count {
            groupSeriesBySlot.append(contentsOf: repeatElement(-1, count: slot + 1 - groupSeriesBySlot.count))
        }
        var gid = groupSeriesBySlot[slot]
        if gid < 0 {
            gid = groupSeries.newSeries(SeriesKey(
                agent: agent >= 0 ? SeriesKey.anyAgent : SeriesKey.noAgent, group: group,
                skill: SeriesKey.anySkill, userType: userType))
            groupSeriesBySlot[slot] = gid
        }
        if defersSamples {
            pendingSamples.append(PendingSample(agentLevel: agentLevel, groupLevel: gid, minute: m, delta: delta))
        } else {
            agentSeries.add(delta, minute: m, to: agentLevel)
            groupSeries.add(delta, minute: m, to: gid)
        }
    }

    /// The agent-level series of `key`, created on first use. An agent has few keys (its
    /// skills × the groups/user types it had), so a scan of its short list beats hashing.
    private mutating func agentSeriesId(_ key: SeriesKey) -> Int32 {
        if key.agent >= 0 {
            let a = Int(key.agent)
            for r in agentSeriesRefs[a] where r.group == key.group && r.skill == key.skill && r.userType == key.userType {
                return r.id
            }
        } else if Int(key.skill) < noAgentSeriesBySkill.count, noAgentSeriesBySkill[Int(key.skill)] >= 0 {
            return noAgentSeriesBySkill[Int(key.skill)]
        }
        let id = agentSeries.newSeries(key)
        if key.agent >= 0 {
            agentSeriesRefs[Int(key.agent)].append(
                AgentSeriesRef(group: key.group, skill: key.skill, id: id, userType: key.userType))
        } else {
            while noAgentSeriesBySkill.count <= Int(key.skill) { noAgentSeriesBySkill.append(-1) }
            noAgentSeriesBySkill[Int(key.skill)] = id
        }
        while agentSeriesBySkill.count <= Int(key.skill) { agentSeriesBySkill.append([]) }
        agentSeriesBySkill[Int(key.skill)].append(id)
        return id
    }

    // MARK: retention

    /// Drops by-time data older than 24 h and forgets conversations closed over 24 h ago.
    /// Queries apply the same cutoff themselves, so answers never depend on when this runs.
    public mutating func prune(now: Int64) {
        let cutoff = Retention.minute(of: now) - Retention.byTimeMinutes
        let c32 = Int32(clamping: cutoff)
        agentSeries.prune(before: c32)
        groupSeries.prune(before: c32)
        conversations.prune(closedBefore: now &- Retention.closedConversationMs)
    }
}

/// The tags (`IdHash.tag`) of the conversation and agent ids an event looks up, computed
/// once per event (ahead of time in a batch).
struct EventTags {
    var conversation: UInt32 = 0
    var agent: UInt32 = 0
    var hasConversation = false
    var hasAgent = false
    /// What applying the event reads of its own agent and of the conversation's current one
    /// (beyond `AgentHot`), for reading ahead only what it needs.
    var eventAgentReads = AgentReads.none
    var recordAgentReads = AgentReads.none

    /// A set of bits, not an `OptionSet`: `OptionSet.contains` compiled to a call of the
    /// generic `==` through the `Equatable` witness of `UInt8` (3 % of batch apply in perf).
    struct AgentReads {
        let rawValue: UInt8
        static let none = AgentReads(rawValue: 0)
        /// The agent's assigned conversations (`Directory.agentAssigned`).
        static let assigned = AgentReads(rawValue: 1)
        /// The agent's series list (`agentSeriesRefs`).
        static let series = AgentReads(rawValue: 2)
        static let assignedAndSeries = AgentReads(rawValue: 3)

        var isEmpty: Bool { rawValue == 0 }
        @inline(__always) func contains(_ r: AgentReads) -> Bool { rawValue & r.rawValue != 0 }
    }

    init() {}

    /// The event is passed by address, as to `AccountMetrics.apply`, so that it is read in
    /// place rather than copied.
    init(_ event: UnsafePointer<Event>, hash: IdHash) {
        switch event.pointee.kind {
        case .skillUpserted, .agentGroupUpserted, .agentUpserted:
            return
        case let .agentStateChanged(agentId, _):
            setAgent(agentId, hash)
        case let .conversationAssigned(c, agentId, _):
            setConversation(c, hash)
            setAgent(agentId, hash)
            eventAgentReads = .assigned
            recordAgentReads = .assigned
        case let .agentMessage(c, agentId):
            setConversation(c, hash)
            setAgent(agentId, hash)
            eventAgentReads = .series
        case let .conversationClosed(c, _):
            setConversation(c, hash)
            recordAgentReads = .assignedAndSeries
        case let .conversationUnassigned(c), let .skillChanged(c, _):
            setConversation(c, hash)
            recordAgentReads = .assigned
        case let .conversationOpened(c, _), let .consumerMessage(c):
            setConversation(c, hash)
        }
    }

    private mutating func setConversation(_ id: String, _ hash: IdHash) {
        conversation = hash.tag(id)
        hasConversation = true
    }

    private mutating func setAgent(_ id: String, _ hash: IdHash) {
        agent = hash.tag(id)
        hasAgent = true
    }
}
