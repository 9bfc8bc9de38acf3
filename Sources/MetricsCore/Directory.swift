/// Interns string ids of one kind (skills, groups, agents) into dense Int32 indexes, so the
/// hot paths index arrays instead of hashing strings.
struct Interner: Sendable {
    private(set) var ids: [String] = []
    private var index: [String: Int32] = [:]

    var count: Int { ids.count }

    func find(_ id: String) -> Int32? { index[id] }

    mutating func intern(_ id: String) -> Int32 {
        if let i = index[id] { return i }
        let i = Int32(ids.count)
        ids.append(id)
        index[id] = i
        return i
    }
}

struct AgentRecord: Sendable {
    var name: String
    var userType: UserType
    var group: Int32
    var skills: [Int32]
    var maxSlots: Int
    var state: AgentState = .offline
    /// Open conversations assigned to this agent (indexes into the conversation table).
    var assigned: [Int32] = []
    /// Position of this agent in its group's member list.
    var positionInGroup: Int = 0
}

/// The directory of an account: skills, the group forest and agents.
struct Directory: Sendable {
    var skills = Interner()
    /// Name per interned skill; nil for ids only seen in data, never upserted.
    var skillNames: [String?] = []
    /// Agents having each skill (a count: "ids seen" includes agents' skills).
    var skillAgentCount: [Int32] = []
    /// Latest minute of any by-time sample with this skill ("ids seen" in retained data).
    var skillLastSampleMinute: [Int32] = []
    /// Open assigned conversations with this skill ("ids seen").
    var skillOpenAssigned: [Int32] = []

    var groups = Interner()
    var groupNames: [String?] = []
    var groupParent: [Int32] = []
    var groupMembers: [[Int32]] = []
    var groupLastSampleMinute: [Int32] = []

    var agents = Interner()
    var agentRecords: [AgentRecord] = []

    mutating func internSkill(_ id: String) -> Int32 {
        let s = skills.intern(id)
        if Int(s) == skillNames.count {
            skillNames.append(nil)
            skillAgentCount.append(0)
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
        groupParent[Int(g)] = parentId.map { internGroup($0) } ?? -1
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
            for s in r.skills { skillAgentCount[Int(s)] -= 1 }
            if r.group != g {
                removeMember(agent: a, record: r)
                r.positionInGroup = groupMembers[Int(g)].count
                groupMembers[Int(g)].append(a)
            }
            r.name = name
            r.userType = userType
            r.group = g
            r.skills = skillSet
            r.maxSlots = maxSlots
            agentRecords[Int(a)] = r
        } else {
            let a = agents.intern(id)
            var r = AgentRecord(name: name, userType: userType, group: g, skills: skillSet, maxSlots: maxSlots)
            r.positionInGroup = groupMembers[Int(g)].count
            groupMembers[Int(g)].append(a)
            agentRecords.append(r)
        }
        for s in skillSet { skillAgentCount[Int(s)] += 1 }
    }

    private mutating func removeMember(agent: Int32, record: AgentRecord) {
        let old = Int(record.group)
        let pos = record.positionInGroup
        let last = groupMembers[old].count - 1
        if pos != last {
            let moved = groupMembers[old][last]
            groupMembers[old][pos] = moved
            agentRecords[Int(moved)].positionInGroup = pos
        }
        groupMembers[old].removeLast()
    }

    /// Children lists of the forest, and an order in which every group comes after its
    /// parent (so a reverse walk rolls subtrees up into their roots).
    func forestOrder() -> [Int32] {
        let n = groupParent.count
        var children = [[Int32]](repeating: [], count: n)
        var roots: [Int32] = []
        for g in 0..<n {
            let p = groupParent[g]
            if p >= 0 { children[Int(p)].append(Int32(g)) } else { roots.append(Int32(g)) }
        }
        var order: [Int32] = []
        order.reserveCapacity(n)
        var stack = roots
        while let g = stack.popLast() {
            order.append(g)
            stack.append(contentsOf: children[Int(g)])
        }
        return order
    }
}
