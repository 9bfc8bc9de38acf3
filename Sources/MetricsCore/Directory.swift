/// Interns string ids of one kind (skills, groups, agents) into dense Int32 indexes, so the
/// hot paths index arrays instead of hashing strings.
///
/// The index is an `IdSlotTable`, confirmed against `ids`, like the conversation index. Ids are
/// never removed.
struct Interner: Sendable {
    private(set) var ids: [String] = []
    private var index: IdSlotTable

    var count: Int { ids.count }

    init(hash: IdHash = .processSeeded) { index = IdSlotTable(hash: hash) }

    /// An interner holding `ids` at their positions (for loading a snapshot: the index
    /// depends on the hash seed and is never stored). Nil if an id repeats.
    init?(ids: [String], hash: IdHash = .processSeeded) {
        self.init(hash: hash)
        for id in ids {
            let before = self.ids.count
            _ = intern(id)
            guard self.ids.count == before + 1 else { return nil }
        }
    }

    func find(_ id: String) -> Int32? {
        find(id, tag: index.tag(id))
    }

    /// The tag of `id` in this interner's index.
    @inline(__always) func tag(_ id: String) -> UInt32 { index.tag(id) }

    /// `find(id)` with the id's tag already computed (`tag(id)`).
    @inline(__always)
    func find(_ id: String, tag: UInt32) -> Int32? {
        index.find(tag: tag) { ids[Int($0)] == id }
    }

    /// The first slot along `tag`'s probe chain with that tag (a prefetch hint: see
    /// `IdSlotTable.hintSlot`).
    func hintSlot(tag: UInt32) -> Int32? { index.hintSlot(tag: tag) }

    /// Prefetches the index entry `tag` hashes to.
    @inline(__always) func prefetchHome(tag: UInt32) { index.prefetchHome(tag: tag) }

    /// Prefetches id `i` (what a lookup compares).
    @inline(__always) func prefetchId(_ i: Int) { ids.prefetch(i) }

    mutating func intern(_ id: String) -> Int32 {
        if let i = find(id) { return i }
        let i = Int32(ids.count)
        ids.append(id)
        index.insert(id, slot: i)
        return i
    }
}

/// One open conversation assigned to an agent, with the fields current-value queries read,
/// kept in the agent's list so that queries scan memory sequentially.
struct AssignedEntry: Sendable {
    var conversation: Int32
    var skill: Int32
    var openedAt: Int64
    var weight: Double
}

/// What queries read of every agent, without references (no retain/release when scanning
/// 20,000 of them): its current attributes and a summary of its assigned conversations.
struct AgentHot: Sendable {
    var group: Int32
    var maxSlots: Int32
    var userType: UserType
    var state: AgentState = .offline
    var assignedCount: Int32 = 0
    /// Σ weight of the assigned conversations, recomputed from the list on every change (no
    /// floating-point drift from adding and subtracting).
    var weightSum: Double = 0
    /// Earliest openedAt of the assigned conversations (Int64.max when none): when it is
    /// within 30 days, assignedConversations is `assignedCount` without reading the list.
    var oldestOpenedAt: Int64 = .max
}

struct AgentRecord: Sendable {
    var name: String
    var skills: [Int32]
    /// Position of this agent in its group's member list.
    var positionInGroup: Int = 0
}

/// The directory of an account: skills, the group forest and agents.
struct Directory: Sendable {
    var skills: Interner
    /// Name per interned skill; nil for ids only seen in data, never upserted.
    var skillNames: [String?] = []
    /// Agents having each skill, ascending, each once. Queries with a skill filter visit these
    /// instead of every agent; non-empty also means "seen" (ids seen include agents' skills).
    /// Derived from the agents' records: snapshots store only the counts, restore rebuilds it.
    var skillAgents: [[Int32]] = []
    /// Latest minute of any by-time sample with this skill ("ids seen" in retained data).
    var skillLastSampleMinute: [Int32] = []
    /// Open assigned conversations with this skill ("ids seen").
    var skillOpenAssigned: [Int32] = []

    var groups: Interner
    var groupNames: [String?] = []
    var groupParent: [Int32] = []
    var groupMembers: [[Int32]] = []
    var groupLastSampleMinute: [Int32] = []
    /// Every group after its parent; recomputed when the forest changes (rare), read by queries.
    var forestOrder: [Int32] = []

    var agents: Interner
    var agentRecords: [AgentRecord] = []
    var agentHot: [AgentHot] = []
    /// Open conversations assigned to each agent.
    var agentAssigned: [[AssignedEntry]] = []

    /// A directory whose interners hash ids with `hash`.
    init(hash: IdHash = .processSeeded) {
        skills = Interner(hash: hash)
        groups = Interner(hash: hash)
        agents = Interner(hash: hash)
    }

    mutating func internSkill(_ id: String) -> Int32 {
        let s = skills.intern(id)
        if Int(s) == skillNames.count {
            skillNames.append(nil)
            skillAgents.append([])
            skillLastSampleMinute.append(Int32.min)
            skillOpenAssigned.append(0)
        }
        return s
    }

    mutating func internGroup(_ id: String) -> Int32 {
        let g = groups.intern(id)
        if Int(g) == groupNames.count {
            groupNames.append(nil)
            groupParent.append(-1)
            groupMembers.append([])
            groupLastSampleMinute.append(Int32.min)
            forestOrder.append(g)  // a new group has no parent and no children yet
        }
        return g
    }

    /// True when making `parent` the parent of `group` would close a cycle in the forest.
    func wouldCycle(group: Int32, parent: Int32) -> Bool {
        var p = parent
        var steps = 0
        while p >= 0 && steps <= groupParent.count {
            if p == group { return true }
            p = groupParent[Int(p)]
            steps += 1
        }
        return false
    }

    mutating func upsertGroup(id: String, name: String, parentId: String?) -> String? {
        if let parentId, parentId == id { return "agentGroupId \(id): parentGroupId is the group itself (cycle)" }
        // Check before interning anything: a rejected event changes nothing.
        if let parentId, let g = groups.find(id), let p = groups.find(parentId), wouldCycle(group: g, parent: p) {
            return "agentGroupId \(id): parentGroupId \(parentId) would make a cycle"
        }
        let g = internGroup(id)
        groupNames[Int(g)] = name
        let p = parentId.map { internGroup($0) } ?? -1
        if groupParent[Int(g)] != p {
            groupParent[Int(g)] = p
            forestOrder = computeForestOrder()
        }
        return nil
    }

    mutating func upsertAgent(
        id: String, name: String, userType: UserType, groupId: String, skillIds: [String], maxSlots: Int
    ) {
        let g = internGroup(groupId)
        var skillSet: [Int32] = []
        for s in skillIds {
            let si = internSkill(s)
            if !skillSet.contains(si) { skillSet.append(si) }
        }
        if let a = agents.find(id) {
            var r = agentRecords[Int(a)]
            for s in r.skills where !skillSet.contains(s) { removeSkillAgent(agent: a, skill: s) }
            for s in skillSet where !r.skills.contains(s) { addSkillAgent(agent: a, skill: s) }
            let oldGroup = agentHot[Int(a)].group
            if oldGroup != g {
                removeMember(agent: a, group: oldGroup, position: r.positionInGroup)
                r.positionInGroup = groupMembers[Int(g)].count
                groupMembers[Int(g)].append(a)
            }
            r.name = name
            r.skills = skillSet
            agentRecords[Int(a)] = r
            agentHot[Int(a)].group = g
            agentHot[Int(a)].userType = userType
            agentHot[Int(a)].maxSlots = Int32(maxSlots)
        } else {
            let a = agents.intern(id)
            var r = AgentRecord(name: name, skills: skillSet)
            r.positionInGroup = groupMembers[Int(g)].count
            groupMembers[Int(g)].append(a)
            agentRecords.append(r)
            agentHot.append(AgentHot(group: g, maxSlots: Int32(maxSlots), userType: userType))
            agentAssigned.append([])
            for s in skillSet { addSkillAgent(agent: a, skill: s) }
        }
    }

    /// Adds `agent` to the skill's ascending list (no-op if present). New agents have the
    /// highest index, so this is almost always an append.
    mutating func addSkillAgent(agent: Int32, skill: Int32) {
        let i = Self.lowerBound(agent, in: skillAgents[Int(skill)])
        if i == skillAgents[Int(skill)].count || skillAgents[Int(skill)][i] != agent {
            skillAgents[Int(skill)].insert(agent, at: i)
        }
    }

    private mutating func removeSkillAgent(agent: Int32, skill: Int32) {
        let i = Self.lowerBound(agent, in: skillAgents[Int(skill)])
        if i < skillAgents[Int(skill)].count && skillAgents[Int(skill)][i] == agent {
            skillAgents[Int(skill)].remove(at: i)
        }
    }

    /// First position in ascending `list` whose element is not below `value`.
    static func lowerBound(_ value: Int32, in list: [Int32]) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private mutating func removeMember(agent: Int32, group: Int32, position pos: Int) {
        let old = Int(group)
        let last = groupMembers[old].count - 1
        if pos != last {
            let moved = groupMembers[old][last]
            groupMembers[old][pos] = moved
            agentRecords[Int(moved)].positionInGroup = pos
        }
        groupMembers[old].removeLast()
    }

    /// An order in which every group comes after its parent (so a reverse walk rolls subtrees
    /// up into their roots): groups sorted by depth, by counting sort.
    func computeForestOrder() -> [Int32] {
        let n = groupParent.count
        var depth = [Int32](repeating: -1, count: n)
        var chain: [Int32] = []
        for g in 0..<n where depth[g] < 0 {
            var cur = Int32(g)
            while cur >= 0 && depth[Int(cur)] < 0 {
                chain.append(cur)
                cur = groupParent[Int(cur)]
            }
            var d = cur >= 0 ? depth[Int(cur)] : -1
            while let c = chain.popLast() {
                d += 1
                depth[Int(c)] = d
            }
        }
        var countAt = [Int](repeating: 0, count: n + 1)
        for d in depth { countAt[Int(d) + 1] += 1 }
        for i in 1..<countAt.count { countAt[i] += countAt[i - 1] }
        var order = [Int32](repeating: 0, count: n)
        for g in 0..<n {
            let d = Int(depth[g])
            order[countAt[d]] = Int32(g)
            countAt[d] += 1
        }
        return order
    }
}
