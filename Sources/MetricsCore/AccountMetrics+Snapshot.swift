/// The whole state of an `AccountMetrics` to bytes and back (docs/durability.md, "Snapshots").
/// Every stored property is written except the ones rebuilt on restore: the open-addressing
/// id tables (conversations, interners; their layout depends on the hash seed),
/// the key parts in `agentSeriesRefs` (copied from the series keys) and the group-level
/// table's `SeriesTotal`s (recomputed from the entries by `restoreSeries`), and the batch
/// apply's `pendingSamples`/`defersSamples` (empty and false outside a call). A series is
/// written as its entries, base first (`SeriesTable.entries(of:)`), not as its in-memory
/// layout (points buffer, entry log). The one place that knows
/// the layout of the core's state: a change to `AccountMetrics`, `Directory`, `ConversationTable` or `SeriesTable`
/// must be mirrored here (and `SnapshotRoundTripTests` compares every stored field by
/// reflection, so a forgotten one fails there).
///
/// Restoring is built for size (~1.4 GB of state for the production preset): arrays are
/// allocated once at their final size, the flat per-minute series entries are read in one
/// pass, and dictionaries are rebuilt with reserved capacity. After reading, every index that
/// apply or query code follows is checked (`validate`), so bytes that passed the file's CRC but
/// do not describe a consistent state (a bug, a version mix-up) throw instead of trapping later.
extension AccountMetrics {
    /// Bumped whenever the layout below changes; an unknown version is refused.
    public static let snapshotFormatVersion: UInt32 = 2

    public func snapshotBytes() -> [UInt8] {
        var w = SnapshotWriter(reservingCapacity: estimatedSnapshotSize)
        writeSnapshot(to: &w)
        return w.bytes
    }

    var estimatedSnapshotSize: Int {
        let entries = agentSeries.series.reduce(0) { $0 + 1 + $1.retainedCount } + groupSeries.series.reduce(0) { $0 + 1 + $1.retainedCount }
        let conversationBytes = conversations.records.count * 96
        return 4096 + conversationBytes + entries * SnapshotLayout.entrySize
    }

    public func writeSnapshot(to w: inout SnapshotWriter) {
        w.u32(Self.snapshotFormatVersion)
        let d = directory
        // Skills.
        w.count(d.skills.ids.count)
        for id in d.skills.ids { w.string(id) }
        for name in d.skillNames { w.optionalString(name) }
        w.int32s(d.skillAgents.map { Int32($0.count) })
        w.int32s(d.skillLastSampleMinute)
        w.int32s(d.skillOpenAssigned)
        // Groups.
        w.count(d.groups.ids.count)
        for id in d.groups.ids { w.string(id) }
        for name in d.groupNames { w.optionalString(name) }
        w.int32s(d.groupParent)
        for m in d.groupMembers { w.int32s(m) }
        w.int32s(d.groupLastSampleMinute)
        w.int32s(d.forestOrder)
        // Agents.
        w.count(d.agents.ids.count)
        for id in d.agents.ids { w.string(id) }
        for r in d.agentRecords {
            w.string(r.name)
            w.int32s(r.skills)
            w.count(r.positionInGroup)
        }
        for h in d.agentHot {
            w.i32(h.group)
            w.i32(h.maxSlots)
            w.u8(SnapshotLayout.code(h.userType))
            w.u8(SnapshotLayout.code(h.state))
            w.i32(h.assignedCount)
            w.f64(h.weightSum)
            w.i64(h.oldestOpenedAt)
        }
        for list in d.agentAssigned {
            w.count(list.count)
            for e in list {
                w.i32(e.conversation)
                w.i32(e.skill)
                w.i64(e.openedAt)
                w.f64(e.weight)
            }
        }
        // Conversations (free slots too: their stale fields are part of the state).
        let c = conversations
        w.count(c.records.count)
        for r in c.records {
            w.string(r.id)
            w.i32(r.skill)
            w.i64(r.openedAt)
            w.i64(r.lastTime)  // also the close time once closed
            w.i32(r.agent)
            w.i64(r.assignedAt)
            w.count(Int(r.positionInAgent))
            w.i64(r.pendingRaw)  // ConversationRecord.notPending when not pending
            w.u8(r.flags)
        }
        w.int32s(c.free)
        w.int32s(c.closedQueue)
        w.count(c.closedQueueHead)
        // Series and their lookups.
        Self.write(agentSeries, to: &w)
        Self.write(groupSeries, to: &w)
        // Each agent's series ids in list order; the rest of an AgentSeriesRef is its series' key.
        w.count(agentSeriesRefs.count)
        for refs in agentSeriesRefs { w.int32s(refs.map(\.id)) }
        w.count(agentSeriesBySkill.count)
        for ids in agentSeriesBySkill { w.int32s(ids) }
        w.int32s(noAgentSeriesBySkill)
        w.int32s(groupSeriesBySlot)
    }

    private static func write(_ table: SeriesTable, to w: inout SnapshotWriter) {
        w.count(table.series.count)
        for id in table.series.indices {
            let s = table.series[id]
            w.i32(s.key.agent)
            w.i32(s.key.group)
            w.i32(s.key.skill)
            w.u8(UInt8(bitPattern: s.key.userType))
            // The base entry (the cumulative value before the first retained minute) at
            // head - 1 = 0, then the retained minutes; none for a series without samples.
            let entries = table.entries(of: Int32(id))
            w.count(1)
            w.count(entries.count)
            w.raw(entries.count * SnapshotLayout.entrySize) { out in
                var o = 0
                for e in entries {
                    out.storeBytes(of: e.minute.littleEndian, toByteOffset: o, as: Int32.self)
                    SnapshotLayout.store(e.cumulative, to: out, at: o + 4)
                    o += SnapshotLayout.entrySize
                }
            }
        }
    }

    /// Restores what `snapshotBytes()` wrote. Throws on truncated, damaged or inconsistent
    /// input; never traps.
    public init(snapshot bytes: UnsafeRawBufferPointer) throws(SnapshotError) {
        var r = SnapshotReader(bytes)
        try self.init(snapshot: &r, idHash: .processSeeded)
        guard r.isAtEnd else { throw r.failure("\(r.remaining) bytes after the end of the state") }
    }

    /// Restores what `writeSnapshot(to:)` wrote, with the standard library's per-process
    /// hash seed for the rebuilt id indexes.
    public init(snapshot r: inout SnapshotReader) throws(SnapshotError) {
        try self.init(snapshot: &r, idHash: .processSeeded)
    }

    /// Restores what `writeSnapshot(to:)` wrote; the id indexes are rebuilt hashing with
    /// `hashSeed` (as `init(hashSeed:)`), whatever seed the writer had: it stores no hashes.
    public init(snapshot r: inout SnapshotReader, hashSeed: UInt64) throws(SnapshotError) {
        try self.init(snapshot: &r, idHash: IdHash(seed: hashSeed))
    }

    init(snapshot r: inout SnapshotReader, idHash: IdHash) throws(SnapshotError) {
        self.init(idHash: idHash)
        let version = try r.u32()
        guard version == Self.snapshotFormatVersion else {
            throw SnapshotError(offset: r.offset - 4, reason: "format version \(version), this build reads \(Self.snapshotFormatVersion)")
        }
        var d = Directory(hash: idHash)
        // Skills.
        let nSkills = try r.count(minSize: 4, "skills")
        d.skills = try Self.interner(&r, count: nSkills, "skill", idHash)
        d.skillNames = try Self.optionalStrings(&r, count: nSkills)
        let skillAgentCount = try Self.int32s(&r, count: nSkills, "skillAgentCount")
        d.skillLastSampleMinute = try Self.int32s(&r, count: nSkills, "skillLastSampleMinute")
        d.skillOpenAssigned = try Self.int32s(&r, count: nSkills, "skillOpenAssigned")
        // Groups.
        let nGroups = try r.count(minSize: 4, "groups")
        d.groups = try Self.interner(&r, count: nGroups, "group", idHash)
        d.groupNames = try Self.optionalStrings(&r, count: nGroups)
        d.groupParent = try Self.int32s(&r, count: nGroups, "groupParent")
        d.groupMembers.reserveCapacity(nGroups)
        for _ in 0..<nGroups { d.groupMembers.append(try r.int32s("groupMembers")) }
        d.groupLastSampleMinute = try Self.int32s(&r, count: nGroups, "groupLastSampleMinute")
        d.forestOrder = try Self.int32s(&r, count: nGroups, "forestOrder")
        // Agents.
        let nAgents = try r.count(minSize: 4, "agents")
        d.agents = try Self.interner(&r, count: nAgents, "agent", idHash)
        d.agentRecords.reserveCapacity(nAgents)
        for _ in 0..<nAgents {
            let name = try r.string()
            let skills = try r.int32s("agent skills")
            let position = try Self.index(&r, "positionInGroup")
            d.agentRecords.append(AgentRecord(name: name, skills: skills, positionInGroup: position))
        }
        d.agentHot.reserveCapacity(nAgents)
        for _ in 0..<nAgents {
            var h = AgentHot(group: try r.i32(), maxSlots: try r.i32(), userType: try SnapshotLayout.userType(&r))
            h.state = try SnapshotLayout.agentState(&r)
            h.assignedCount = try r.i32()
            h.weightSum = try r.f64()
            h.oldestOpenedAt = try r.i64()
            d.agentHot.append(h)
        }
        d.agentAssigned.reserveCapacity(nAgents)
        for _ in 0..<nAgents {
            let n = try r.count(minSize: 24, "assigned conversations")
            var list: [AssignedEntry] = []
            list.reserveCapacity(n)
            for _ in 0..<n {
                list.append(AssignedEntry(conversation: try r.i32(), skill: try r.i32(), openedAt: try r.i64(), weight: try r.f64()))
            }
            d.agentAssigned.append(list)
        }
        directory = d
        // Conversations.
        var c = ConversationTable(hash: idHash)
        let nRecords = try r.count(minSize: 53, "conversations")
        c.records.reserveCapacity(nRecords)
        for _ in 0..<nRecords {
            let id = try r.string()
            var rec = ConversationRecord(id: id, skill: try r.i32(), openedAt: try r.i64(), lastTime: try r.i64())
            rec.agent = try r.i32()
            rec.assignedAt = try r.i64()
            rec.positionInAgent = Int32(try Self.index(&r, "positionInAgent"))
            rec.pendingRaw = try r.i64()
            let flags = try r.u8()
            guard flags < 32 else { throw SnapshotError(offset: r.offset - 1, reason: "conversation flags \(flags)") }
            rec.flags = flags
            c.records.append(rec)
        }
        c.free = try r.int32s("free conversation slots")
        c.closedQueue = try r.int32s("closedQueue")
        c.closedQueueHead = try Self.index(&r, "closedQueueHead")
        // The id index: every slot that is not free.
        var isFree = [Bool](repeating: false, count: nRecords)
        for f in c.free {
            guard f >= 0, Int(f) < nRecords, !isFree[Int(f)] else {
                throw r.failure("free slot \(f) is out of range or listed twice (\(nRecords) conversations)")
            }
            isFree[Int(f)] = true
        }
        c.rebuildIndex()
        for (i, rec) in c.records.enumerated() where !isFree[i] {
            guard c.find(rec.id) == Int32(i) else {
                throw r.failure("conversation id \"\(rec.id)\" is held by two slots")
            }
        }
        conversations = c
        // Series.
        agentSeries = try Self.readSeriesTable(&r, keepsTotals: false)
        groupSeries = try Self.readSeriesTable(&r, keepsTotals: true)
        let nByAgent = try r.count(minSize: 8, "agentSeriesRefs")
        var seriesIdsByAgent: [[Int32]] = []
        seriesIdsByAgent.reserveCapacity(nByAgent)
        for _ in 0..<nByAgent { seriesIdsByAgent.append(try r.int32s("agentSeriesRefs")) }
        let nBySkill = try r.count(minSize: 8, "agentSeriesBySkill")
        agentSeriesBySkill.reserveCapacity(nBySkill)
        for _ in 0..<nBySkill { agentSeriesBySkill.append(try r.int32s("agentSeriesBySkill")) }
        noAgentSeriesBySkill = try r.int32s("noAgentSeriesBySkill")
        groupSeriesBySlot = try r.int32s("groupSeriesBySlot")
        try validate(&r, seriesIdsByAgent: seriesIdsByAgent, skillAgentCount: skillAgentCount)
        // Derived: each skill's agents, ascending (the snapshot holds only their counts).
        var skillAgents = [[Int32]](repeating: [], count: nSkills)
        for (a, rec) in directory.agentRecords.enumerated() {
            for s in rec.skills where skillAgents[Int(s)].last != Int32(a) { skillAgents[Int(s)].append(Int32(a)) }
        }
        directory.skillAgents = skillAgents
        // Derived: each agent's refs carry its series' key parts next to the id.
        let series = agentSeries.series
        agentSeriesRefs = seriesIdsByAgent.map { ids in
            ids.map { id in
                let k = series[Int(id)].key
                return AgentSeriesRef(group: k.group, skill: k.skill, id: id, userType: k.userType)
            }
        }
    }

    private static func interner(
        _ r: inout SnapshotReader, count n: Int, _ what: String, _ hash: IdHash
    ) throws(SnapshotError) -> Interner {
        var interner = Interner(hash: hash)
        for i in 0..<n {
            let id = try r.string()
            guard interner.intern(id) == Int32(i) else { throw r.failure("\(what) id \"\(id)\" appears twice") }
        }
        return interner
    }

    private static func optionalStrings(_ r: inout SnapshotReader, count n: Int) throws(SnapshotError) -> [String?] {
        var out: [String?] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try r.optionalString()) }
        return out
    }

    private static func int32s(_ r: inout SnapshotReader, count n: Int, _ what: String) throws(SnapshotError) -> [Int32] {
        let a = try r.int32s(what)
        guard a.count == n else { throw r.failure("\(what) has \(a.count) entries, expected \(n)") }
        return a
    }

    private static func index(_ r: inout SnapshotReader, _ what: String) throws(SnapshotError) -> Int {
        let v = try r.u64()
        guard v <= UInt64(Int32.max) else { throw SnapshotError(offset: r.offset - 8, reason: "\(what) \(v) is out of range") }
        return Int(v)
    }

    private static func readSeriesTable(_ r: inout SnapshotReader, keepsTotals: Bool) throws(SnapshotError) -> SeriesTable {
        var table = SeriesTable(keepsTotals: keepsTotals)
        let n = try r.count(minSize: 13 + 8 + 8, "series")
        // Entries are decoded into one scratch buffer (reused, so it stays in cache) and
        // copied by `restoreSeries` into the series' own buffer of their exact count.
        var scratch = UnsafeMutablePointer<SeriesEntry>.allocate(capacity: 0)
        var scratchCapacity = 0
        defer { scratch.deallocate() }
        for _ in 0..<n {
            let key = SeriesKey(agent: try r.i32(), group: try r.i32(), skill: try r.i32(), userType: Int8(bitPattern: try r.u8()))
            let head = try index(&r, "series head")
            let count = try r.count(minSize: SnapshotLayout.entrySize, "series entries")
            guard head >= 1, count == 0 || head <= count else {
                throw r.failure("series head \(head) does not fit its \(count) entries")
            }
            let raw = try r.raw(count * SnapshotLayout.entrySize, "series entries")
            if count > scratchCapacity {
                scratch.deallocate()
                scratchCapacity = max(count, 2 * scratchCapacity)
                scratch = UnsafeMutablePointer<SeriesEntry>.allocate(capacity: scratchCapacity)
            }
            var previous = Int32.min
            var o = 0
            for i in 0..<count {
                let minute = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self))
                // Window sums binary-search the minutes and late samples insert by them: they
                // must be strictly ascending, or answers would silently be wrong.
                guard i == 0 || minute > previous else {
                    throw r.failure("series entries are not in ascending minute order (\(minute) after \(previous))")
                }
                previous = minute
                (scratch + i).initialize(to: SeriesEntry(minute: minute, cumulative: SnapshotLayout.load(raw, at: o + 4)))
                o += SnapshotLayout.entrySize
            }
            _ = table.restoreSeries(key, entries: UnsafeBufferPointer(start: scratch, count: count), head: Int32(head))
            scratch.deinitialize(count: count)
        }
        return table
    }

    /// Every cross-reference apply and query code follows, checked once after reading.
    private func validate(
        _ r: inout SnapshotReader, seriesIdsByAgent: [[Int32]], skillAgentCount: [Int32]
    ) throws(SnapshotError) {
        func fail(_ reason: String) -> SnapshotError { r.failure("inconsistent state: " + reason) }
        let d = directory
        let nSkills = d.skills.count, nGroups = d.groups.count, nAgents = d.agents.count
        let nRecords = conversations.records.count
        func skillOK(_ s: Int32) -> Bool { s >= 0 && Int(s) < nSkills }
        func groupOK(_ g: Int32) -> Bool { g >= 0 && Int(g) < nGroups }
        func agentOK(_ a: Int32) -> Bool { a >= 0 && Int(a) < nAgents }
        // Groups: parents, members, the forest order (a permutation with parents first).
        for (g, p) in d.groupParent.enumerated() where p != -1 && !groupOK(p) { throw fail("group \(g) has parent \(p)") }
        var seen = [Bool](repeating: false, count: nGroups)
        for g in d.forestOrder {
            guard groupOK(g), !seen[Int(g)] else { throw fail("forestOrder holds \(g) twice or out of range") }
            let p = d.groupParent[Int(g)]
            guard p < 0 || seen[Int(p)] else { throw fail("forestOrder lists group \(g) before its parent \(p)") }
            seen[Int(g)] = true
        }
        for (g, members) in d.groupMembers.enumerated() {
            for (pos, a) in members.enumerated() {
                guard agentOK(a), d.agentHot[Int(a)].group == Int32(g), d.agentRecords[Int(a)].positionInGroup == pos else {
                    throw fail("group \(g) member \(pos) is agent \(a), which does not point back")
                }
            }
        }
        // Agents.
        guard d.agentRecords.count == nAgents, d.agentHot.count == nAgents, d.agentAssigned.count == nAgents,
              seriesIdsByAgent.count == nAgents
        else { throw fail("per-agent tables differ in length from the \(nAgents) agents") }
        for a in 0..<nAgents {
            let rec = d.agentRecords[a], hot = d.agentHot[a]
            guard groupOK(hot.group), rec.positionInGroup < d.groupMembers[Int(hot.group)].count,
                  d.groupMembers[Int(hot.group)][rec.positionInGroup] == Int32(a)
            else { throw fail("agent \(a) is not at its position in group \(hot.group)") }
            for s in rec.skills where !skillOK(s) { throw fail("agent \(a) has skill \(s)") }
            guard Int(hot.assignedCount) == d.agentAssigned[a].count else { throw fail("agent \(a) assignedCount") }
            for (pos, e) in d.agentAssigned[a].enumerated() {
                guard e.conversation >= 0, Int(e.conversation) < nRecords, skillOK(e.skill),
                      conversations.records[Int(e.conversation)].agent == Int32(a),
                      conversations.records[Int(e.conversation)].positionInAgent == Int32(pos)
                else { throw fail("agent \(a) assigned entry \(pos) does not point back") }
            }
            for id in seriesIdsByAgent[a] where id < 0 || Int(id) >= agentSeries.series.count {
                throw fail("agent \(a) has series \(id)")
            }
        }
        // Counters apply decrements and sums it recomputes: they must equal their definition.
        var agentsWithSkill = [Int32](repeating: 0, count: nSkills)
        var openAssigned = [Int32](repeating: 0, count: nSkills)
        for a in 0..<nAgents {
            for s in d.agentRecords[a].skills { agentsWithSkill[Int(s)] &+= 1 }
            var weight = 0.0
            var oldest = Int64.max
            for e in d.agentAssigned[a] {
                guard e.weight.isFinite, e.weight >= 0, Retention.eventTimeRange.contains(e.openedAt) else {
                    throw fail("agent \(a) has an assigned entry with weight \(e.weight), openedAt \(e.openedAt)")
                }
                openAssigned[Int(e.skill)] &+= 1
                weight += e.weight
                oldest = min(oldest, e.openedAt)
            }
            let hot = d.agentHot[a]
            guard Retention.maxSlotsRange.contains(Int(hot.maxSlots)), hot.weightSum == weight, hot.oldestOpenedAt == oldest else {
                throw fail("agent \(a) summary (maxSlots \(hot.maxSlots), weight \(hot.weightSum), oldest \(hot.oldestOpenedAt))")
            }
        }
        guard agentsWithSkill == skillAgentCount else { throw fail("skillAgentCount differs from the agents' skills") }
        guard openAssigned == d.skillOpenAssigned else { throw fail("skillOpenAssigned differs from the assigned lists") }
        // Conversations.
        let times = Retention.eventTimeRange
        for (i, rec) in conversations.records.enumerated() {
            guard skillOK(rec.skill) else { throw fail("conversation slot \(i) has skill \(rec.skill)") }
            guard times.contains(rec.openedAt), times.contains(rec.lastTime),
                  times.contains(rec.assignedAt), rec.pendingSince.map(times.contains) ?? true
            else { throw fail("conversation slot \(i) has a time out of range") }
            if rec.agent != -1 {
                guard agentOK(rec.agent), rec.positionInAgent >= 0, Int(rec.positionInAgent) < d.agentAssigned[Int(rec.agent)].count,
                      d.agentAssigned[Int(rec.agent)][Int(rec.positionInAgent)].conversation == Int32(i)
                else { throw fail("conversation slot \(i) is not in agent \(rec.agent)'s list") }
            }
        }
        for c in conversations.closedQueue where c < 0 || Int(c) >= nRecords { throw fail("closedQueue holds \(c)") }
        guard conversations.closedQueueHead <= conversations.closedQueue.count else { throw fail("closedQueueHead") }
        // Prune removes each queued conversation from the id index once: a queued slot must be
        // indexed (not free), closed, and queued once.
        var free = [Bool](repeating: false, count: nRecords)
        for c in conversations.free { free[Int(c)] = true }
        var queued = [Bool](repeating: false, count: nRecords)
        for c in conversations.closedQueue[conversations.closedQueueHead...] {
            let rec = conversations.records[Int(c)]
            guard !free[Int(c)], !rec.isOpen, !queued[Int(c)] else {
                throw fail("closedQueue holds slot \(c), which is free, open or queued twice")
            }
            queued[Int(c)] = true
        }
        // Series keys and lookups.
        for s in agentSeries.series {
            let k = s.key
            guard k.agent == SeriesKey.noAgent || agentOK(k.agent), k.group == -1 || groupOK(k.group), skillOK(k.skill),
                  (-1...1).contains(k.userType)
            else { throw fail("agent-level series key \(k)") }
        }
        for s in groupSeries.series {
            let k = s.key
            guard k.agent == SeriesKey.noAgent || k.agent == SeriesKey.anyAgent, k.group == -1 || groupOK(k.group),
                  k.skill == SeriesKey.anySkill, (-1...1).contains(k.userType)
            else { throw fail("group-level series key \(k)") }
        }
        for ids in agentSeriesBySkill {
            for id in ids where id < 0 || Int(id) >= agentSeries.series.count { throw fail("agentSeriesBySkill holds \(id)") }
        }
        for id in noAgentSeriesBySkill where id != -1 && (id < 0 || Int(id) >= agentSeries.series.count) {
            throw fail("noAgentSeriesBySkill holds \(id)")
        }
        for id in groupSeriesBySlot where id != -1 && (id < 0 || Int(id) >= groupSeries.series.count) {
            throw fail("groupSeriesBySlot holds \(id)")
        }
    }
}

/// Field layout of the flat per-minute records and the enum codes.
enum SnapshotLayout {
    /// 8 × Int32 counts, then 5 × Int64 sums.
    static let aggregateSize = 8 * 4 + 5 * 8
    /// Minute (Int32) then the cumulative aggregate.
    static let entrySize = 4 + aggregateSize

    static func store(_ a: SampleAggregate, to out: UnsafeMutableRawBufferPointer, at o: Int) {
        out.storeBytes(of: a.closedByAgent.littleEndian, toByteOffset: o, as: Int32.self)
        out.storeBytes(of: a.closedByConsumer.littleEndian, toByteOffset: o + 4, as: Int32.self)
        out.storeBytes(of: a.autoClosed.littleEndian, toByteOffset: o + 8, as: Int32.self)
        out.storeBytes(of: a.timeToResponseCount.littleEndian, toByteOffset: o + 12, as: Int32.self)
        out.storeBytes(of: a.firstAssignmentCount.littleEndian, toByteOffset: o + 16, as: Int32.self)
        out.storeBytes(of: a.allAssignmentsCount.littleEndian, toByteOffset: o + 20, as: Int32.self)
        out.storeBytes(of: a.waitCount.littleEndian, toByteOffset: o + 24, as: Int32.self)
        out.storeBytes(of: a.waitFirstCount.littleEndian, toByteOffset: o + 28, as: Int32.self)
        out.storeBytes(of: a.timeToResponseSum.littleEndian, toByteOffset: o + 32, as: Int64.self)
        out.storeBytes(of: a.firstAssignmentSum.littleEndian, toByteOffset: o + 40, as: Int64.self)
        out.storeBytes(of: a.allAssignmentsSum.littleEndian, toByteOffset: o + 48, as: Int64.self)
        out.storeBytes(of: a.waitSum.littleEndian, toByteOffset: o + 56, as: Int64.self)
        out.storeBytes(of: a.waitFirstSum.littleEndian, toByteOffset: o + 64, as: Int64.self)
    }

    static func load(_ b: UnsafeRawBufferPointer, at o: Int) -> SampleAggregate {
        func i32(_ k: Int) -> Int32 { Int32(littleEndian: b.loadUnaligned(fromByteOffset: o + k, as: Int32.self)) }
        func i64(_ k: Int) -> Int64 { Int64(littleEndian: b.loadUnaligned(fromByteOffset: o + k, as: Int64.self)) }
        var a = SampleAggregate()
        a.closedByAgent = i32(0)
        a.closedByConsumer = i32(4)
        a.autoClosed = i32(8)
        a.timeToResponseCount = i32(12)
        a.firstAssignmentCount = i32(16)
        a.allAssignmentsCount = i32(20)
        a.waitCount = i32(24)
        a.waitFirstCount = i32(28)
        a.timeToResponseSum = i64(32)
        a.firstAssignmentSum = i64(40)
        a.allAssignmentsSum = i64(48)
        a.waitSum = i64(56)
        a.waitFirstSum = i64(64)
        return a
    }

    static func code(_ t: UserType) -> UInt8 { t == .human ? 0 : 1 }
    static func code(_ s: AgentState) -> UInt8 {
        switch s {
        case .online: 0
        case .backSoon: 1
        case .away: 2
        case .offline: 3
        }
    }

    static func userType(_ r: inout SnapshotReader) throws(SnapshotError) -> UserType {
        switch try r.u8() {
        case 0: .human
        case 1: .bot
        case let b: throw SnapshotError(offset: r.offset - 1, reason: "user type code \(b)")
        }
    }

    static func agentState(_ r: inout SnapshotReader) throws(SnapshotError) -> AgentState {
        switch try r.u8() {
        case 0: .online
        case 1: .backSoon
        case 2: .away
        case 3: .offline
        case let b: throw SnapshotError(offset: r.offset - 1, reason: "agent state code \(b)")
        }
    }
}
