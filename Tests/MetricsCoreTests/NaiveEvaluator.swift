import MetricsCore

/// The slow, obvious reading of SPEC §2–§3, written without the engine's code: it keeps
/// every accepted event's effect as plain records and raw samples, and answers a query by
/// filtering those lists directly. Property tests compare it with the engine.
struct NaiveEvaluator {
    enum SampleKind: CaseIterable { case closedAgent, closedConsumer, closedSystem, wait, waitFirst, ttr, ttfrFirst, ttfrAll }

    struct Sample {
        var time: Int64
        var skill: String
        var agent: String?
        var group: String?
        var userType: UserType?
        var kind: SampleKind
        var value: Int64
    }

    struct Agent {
        var type: UserType
        var group: String
        var skills: [String]
        var maxSlots: Int
        var state: AgentState
    }

    struct Conversation {
        var skill: String
        var openedAt: Int64
        var last: Int64
        var open = true
        var agent: String?
        var weight = 1.0
        var assignedAt: Int64 = 0
        var pendingSince: Int64?
        var hadHuman = false
        var currentIsFirstHuman = false
        var currentHumanNotWritten = false
        var waitFirstDone = false
    }

    var skillNames: [String: String] = [:]
    var groupNames: [String: String] = [:]
    var groupParent: [String: String] = [:]
    var agents: [String: Agent] = [:]
    var conversations: [String: Conversation] = [:]
    var samples: [Sample] = []

    // MARK: events

    mutating func apply(_ e: Event) -> Bool {
        let t = e.time
        if t < 0 || t > 100_000_000_000_000 { return false }
        switch e.kind {
        case let .skillUpserted(id, name):
            skillNames[id] = name
        case let .agentGroupUpserted(id, name, parent):
            if let parent {
                // Reject if `id` is `parent` or one of its ancestors.
                var cur: String? = parent
                var seen = Set<String>()
                while let c = cur, !seen.contains(c) {
                    if c == id { return false }
                    seen.insert(c)
                    cur = groupParent[c]
                }
            }
            groupNames[id] = name
            groupParent[id] = parent
        case let .agentUpserted(id, _, type, group, skills, maxSlots):
            if maxSlots < 0 || maxSlots > 1_000_000 { return false }
            var unique: [String] = []
            for s in skills where !unique.contains(s) { unique.append(s) }
            agents[id] = Agent(type: type, group: group, skills: unique, maxSlots: maxSlots, state: agents[id]?.state ?? .offline)
        case let .agentStateChanged(id, state):
            if agents[id] == nil { return false }
            agents[id]!.state = state
        case let .conversationOpened(id, skill):
            if conversations[id] != nil { return false }
            conversations[id] = Conversation(skill: skill, openedAt: t, last: t)
        case let .consumerMessage(id):
            guard var c = usable(id, t) else { return false }
            if c.pendingSince == nil { c.pendingSince = t }
            c.last = t
            conversations[id] = c
        case let .conversationAssigned(id, agent, weight):
            guard var c = usable(id, t), let a = agents[agent], weight.isFinite, weight >= 0 else { return false }
            c.agent = agent
            c.weight = weight
            c.assignedAt = t
            c.currentIsFirstHuman = a.type == .human && !c.hadHuman
            c.currentHumanNotWritten = a.type == .human
            if a.type == .human { c.hadHuman = true }
            c.last = t
            conversations[id] = c
        case let .conversationUnassigned(id):
            guard var c = usable(id, t) else { return false }
            c.agent = nil
            c.currentHumanNotWritten = false
            c.last = t
            conversations[id] = c
        case let .agentMessage(id, agent):
            guard var c = usable(id, t), let a = agents[agent] else { return false }
            if a.type == .human {
                func sample(_ k: SampleKind, _ v: Int64) {
                    samples.append(Sample(time: t, skill: c.skill, agent: agent, group: a.group, userType: a.type, kind: k, value: v))
                }
                if let p = c.pendingSince {
                    sample(.wait, t - p)
                    if !c.waitFirstDone { sample(.waitFirst, t - p); c.waitFirstDone = true }
                    sample(.ttr, c.agent == agent ? t - max(p, c.assignedAt) : t - p)
                    c.pendingSince = nil
                }
                if c.agent == agent && c.currentHumanNotWritten {
                    sample(.ttfrAll, t - c.assignedAt)
                    if c.currentIsFirstHuman { sample(.ttfrFirst, t - c.assignedAt) }
                    c.currentHumanNotWritten = false
                }
            }
            c.last = t
            conversations[id] = c
        case let .skillChanged(id, skill):
            guard var c = usable(id, t) else { return false }
            c.skill = skill
            c.last = t
            conversations[id] = c
        case let .conversationClosed(id, by):
            guard var c = usable(id, t) else { return false }
            let kind: SampleKind = by == .agent ? .closedAgent : by == .consumer ? .closedConsumer : .closedSystem
            let a = c.agent.flatMap { agents[$0] }
            samples.append(Sample(time: t, skill: c.skill, agent: c.agent, group: a?.group, userType: a?.type, kind: kind, value: 1))
            c.open = false
            c.agent = nil
            c.last = t
            conversations[id] = c
        }
        return true
    }

    private func usable(_ id: String, _ t: Int64) -> Conversation? {
        guard let c = conversations[id], c.open, t >= c.last else { return nil }
        return c
    }

    // MARK: queries

    static func minuteOf(_ ms: Int64) -> Int64 { ms >= 0 ? ms / 60_000 : (ms - 59_999) / 60_000 }

    func isInSubtree(_ group: String, of root: String) -> Bool {
        var cur: String? = group
        var steps = 0
        while let c = cur, steps < 10_000 {
            if c == root { return true }
            cur = groupParent[c]
            steps += 1
        }
        return false
    }

    func query(_ q: MetricsQuery, now: Int64) -> MetricsResult {
        let f = q.filters
        let nowMinute = Self.minuteOf(now)
        func retained(_ s: Sample) -> Bool { Self.minuteOf(s.time) >= nowMinute - 1440 }
        func inWindow(_ s: Sample) -> Bool {
            if q.fromMs > now { return false }
            let m = Self.minuteOf(s.time)
            return retained(s) && m >= Self.minuteOf(q.fromMs) && m <= Self.minuteOf(min(q.toMs, now))
        }
        func groupPasses(_ g: String) -> Bool {
            f.agentGroupIds.isEmpty || f.agentGroupIds.contains { f.includeSubGroups ? isInSubtree(g, of: $0) : g == $0 }
        }
        func agentPasses(_ id: String, _ group: String, _ type: UserType) -> Bool {
            (f.agentIds.isEmpty || f.agentIds.contains(id)) && groupPasses(group) && (f.userTypes.isEmpty || f.userTypes.contains(type))
        }
        let anyAgentFilter = !f.agentIds.isEmpty || !f.agentGroupIds.isEmpty || !f.userTypes.isEmpty
        let passingSamples = samples.filter { s in
            guard inWindow(s) else { return false }
            if anyAgentFilter {
                guard let a = s.agent, let g = s.group, let t = s.userType, agentPasses(a, g, t) else { return false }
            }
            return f.skillIds.isEmpty || f.skillIds.contains(s.skill)
        }
        let passingAgents = agents.filter { id, a in
            agentPasses(id, a.group, a.type) && (f.skillIds.isEmpty || a.skills.contains { f.skillIds.contains($0) })
        }
        let openAssigned = conversations.filter { $0.value.open && $0.value.agent != nil }
        let passingConversations = openAssigned.filter { _, c in
            guard let id = c.agent, let a = agents[id] else { return false }
            return now - c.openedAt <= 30 * 86_400_000 && agentPasses(id, a.group, a.type)
                && (f.skillIds.isEmpty || f.skillIds.contains(c.skill))
        }

        func values(_ metrics: [Metric], samples ss: [Sample], agents aa: [String: Agent], conversations cc: [String: Conversation]) -> MetricValues {
            var v = MetricValues()
            func count(_ k: SampleKind) -> Int64 { Int64(ss.filter { $0.kind == k }.count) }
            func mean(_ k: SampleKind) -> MetricValue? {
                let xs = ss.filter { $0.kind == k }
                return xs.isEmpty ? nil : .double(Double(xs.reduce(Int64(0)) { $0 + $1.value }) / Double(xs.count))
            }
            func load(_ include: (Agent) -> Bool) -> MetricValue? {
                var weight = 0.0
                var slots = 0
                for (id, a) in aa where include(a) {
                    slots += a.maxSlots
                    for c in conversations.values where c.open && c.agent == id { weight += c.weight }
                }
                return slots == 0 ? nil : .double(100 * weight / Double(slots))
            }
            for m in metrics {
                switch m {
                case .closedConversations: v[m] = .count(count(.closedAgent) + count(.closedConsumer) + count(.closedSystem))
                case .closedByAgent: v[m] = .count(count(.closedAgent))
                case .closedByConsumer: v[m] = .count(count(.closedConsumer))
                case .autoClosed: v[m] = .count(count(.closedSystem))
                case .avgTimeToResponse: v[m] = mean(.ttr)
                case .avgTimeToFirstResponseFirstAssignment: v[m] = mean(.ttfrFirst)
                case .avgTimeToFirstResponseAllAssignments: v[m] = mean(.ttfrAll)
                case .avgWaitTime: v[m] = mean(.wait)
                case .avgWaitTimeFirstResponse: v[m] = mean(.waitFirst)
                case .assignedConversations, .activeConversations: v[m] = .count(Int64(cc.count))
                case .onlineAgents: v[m] = .count(Int64(aa.values.filter { $0.state == .online }.count))
                case .awayAgents: v[m] = .count(Int64(aa.values.filter { $0.state == .away }.count))
                case .backSoonAgents: v[m] = .count(Int64(aa.values.filter { $0.state == .backSoon }.count))
                case .availableSlots:
                    var total = 0
                    for (id, a) in aa where a.state == .online {
                        let n = conversations.values.filter { $0.open && $0.agent == id }.count
                        total += max(0, a.maxSlots - n)
                    }
                    v[m] = .count(Int64(total))
                case .agentLoad: v[m] = load { $0.state != .offline }
                case .humanAgentLoad: v[m] = load { $0.state != .offline && $0.type == .human }
                case .humanOnlineLoad: v[m] = load { $0.state == .online && $0.type == .human }
                }
            }
            return v
        }

        let all = q.includeAll ? values(q.metrics, samples: passingSamples, agents: passingAgents, conversations: passingConversations) : nil
        guard let groupBy = q.groupBy else { return MetricsResult(count: 0, groups: nil, all: all) }

        // Keys: the filter's ids, else every known id plus every id seen.
        var keys = Set<String>()
        switch groupBy {
        case .skillId:
            if !f.skillIds.isEmpty { keys = Set(f.skillIds) } else {
                keys.formUnion(skillNames.keys)
                keys.formUnion(samples.filter(retained).map(\.skill))
                keys.formUnion(openAssigned.values.map(\.skill))
                for a in agents.values { keys.formUnion(a.skills) }
            }
        case .agentGroupId:
            if !f.agentGroupIds.isEmpty { keys = Set(f.agentGroupIds) } else {
                keys.formUnion(groupNames.keys)
                keys.formUnion(samples.filter(retained).compactMap(\.group))
                keys.formUnion(openAssigned.values.compactMap { $0.agent.flatMap { agents[$0]?.group } })
                keys.formUnion(agents.values.map(\.group))
            }
        }

        var rows: [(key: String, values: MetricValues, sortBy: MetricValue?)] = []
        var wanted = q.metrics
        if case let .metric(m) = q.sort.key, !wanted.contains(m) { wanted.append(m) }
        for k in keys {
            func inKey(_ g: String) -> Bool { f.includeSubGroups ? isInSubtree(g, of: k) : g == k }
            let v: MetricValues
            switch groupBy {
            case .skillId:
                v = values(wanted, samples: passingSamples.filter { $0.skill == k },
                           agents: passingAgents.filter { $0.value.skills.contains(k) },
                           conversations: passingConversations.filter { $0.value.skill == k })
            case .agentGroupId:
                v = values(wanted, samples: passingSamples.filter { $0.group.map(inKey) ?? false },
                           agents: passingAgents.filter { inKey($0.value.group) },
                           conversations: passingConversations.filter { c in c.value.agent.flatMap { agents[$0] }.map { inKey($0.group) } ?? false })
            }
            var returned = MetricValues()
            for m in q.metrics { returned[m] = v[m] }
            var sortBy: MetricValue?
            if case let .metric(m) = q.sort.key { sortBy = v[m] }
            rows.append((k, returned, sortBy))
        }

        func keyLess(_ a: String, _ b: String) -> Bool {
            func digits(_ s: String) -> UInt64? {
                guard !s.isEmpty, s.utf8.count <= 18, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
                return UInt64(s)
            }
            let da = digits(a), db = digits(b)
            if let da, let db, da != db { return da < db }
            if da != nil && db == nil { return true }
            if da == nil && db != nil { return false }
            return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        }
        func rounded(_ v: MetricValue) -> Double {
            switch v {
            case let .count(n): return Double(n)
            case let .double(d): return (d * 1000).rounded(.toNearestOrAwayFromZero) / 1000
            }
        }
        rows.sort { a, b in
            switch q.sort.key {
            case .key:
                return q.sort.descending ? keyLess(b.key, a.key) : keyLess(a.key, b.key)
            case .metric:
                if a.sortBy == nil && b.sortBy == nil { return keyLess(a.key, b.key) }
                guard let x = a.sortBy else { return false }
                guard let y = b.sortBy else { return true }
                let rx = rounded(x), ry = rounded(y)
                if rx == ry { return keyLess(a.key, b.key) }
                return q.sort.descending ? rx > ry : rx < ry
            }
        }
        let page = rows.dropFirst(q.offset).prefix(q.limit).map { row in
            let name: String?
            switch groupBy {
            case .skillId: name = skillNames[row.key]
            case .agentGroupId: name = groupNames[row.key]
            }
            return MetricsResult.Group(key: row.key, keyDescription: name ?? "NA", metrics: row.values)
        }
        return MetricsResult(count: rows.count, groups: Array(page), all: all)
    }
}
