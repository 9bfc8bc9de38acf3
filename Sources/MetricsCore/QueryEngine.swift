/// What one group (or `all`) accumulates while a query runs.
struct GroupAccumulator: Sendable {
    var samples = SampleTotals()
    var assigned: Int64 = 0
    var online: Int64 = 0
    var away: Int64 = 0
    var backSoon: Int64 = 0
    var availableSlots: Int64 = 0
    /// Σ weight and Σ maxSlots for agentLoad, humanAgentLoad, humanOnlineLoad.
    var loadWeight: (Double, Double, Double) = (0, 0, 0)
    var loadSlots: (Int64, Int64, Int64) = (0, 0, 0)

    mutating func addCurrent(_ b: GroupAccumulator) {
        assigned &+= b.assigned
        online &+= b.online
        away &+= b.away
        backSoon &+= b.backSoon
        availableSlots &+= b.availableSlots
        loadWeight.0 += b.loadWeight.0
        loadWeight.1 += b.loadWeight.1
        loadWeight.2 += b.loadWeight.2
        loadSlots.0 &+= b.loadSlots.0
        loadSlots.1 &+= b.loadSlots.1
        loadSlots.2 &+= b.loadSlots.2
    }

    mutating func add(_ b: GroupAccumulator) {
        samples.add(b.samples)
        addCurrent(b)
    }

    func value(of metric: Metric) -> MetricValue? {
        func load(_ w: Double, _ s: Int64) -> MetricValue? { s == 0 ? nil : .double(100 * w / Double(s)) }
        switch metric {
        case .assignedConversations, .activeConversations: return .count(assigned)
        case .onlineAgents: return .count(online)
        case .awayAgents: return .count(away)
        case .backSoonAgents: return .count(backSoon)
        case .availableSlots: return .count(availableSlots)
        case .agentLoad: return load(loadWeight.0, loadSlots.0)
        case .humanAgentLoad: return load(loadWeight.1, loadSlots.1)
        case .humanOnlineLoad: return load(loadWeight.2, loadSlots.2)
        default: return samples.value(of: metric)
        }
    }

    func values(_ metrics: [Metric]) -> MetricValues {
        var v = MetricValues()
        for m in metrics { v[m] = value(of: m) }
        return v
    }
}

/// The filters of a query resolved to interned indexes.
struct ResolvedFilters {
    /// nil = no agentIds filter.
    var agents: Set<Int32>?
    /// Per interned group: passes the agentGroupIds filter (subtrees included); nil = no filter.
    var groups: [Bool]?
    var userTypes: Set<UserType>?
    /// Per interned skill; nil = no filter.
    var skills: [Bool]?

    /// agentIds, agentGroupIds or userTypes: samples without agent are dropped.
    var filtersAgents: Bool { agents != nil || groups != nil || userTypes != nil }
}

extension AccountMetrics {
    /// `query` on the state a pointer holds, without copying it first. Called on
    /// `pointer.pointee`, `query` gets a copy of the whole state (a retain and a release of every
    /// buffer in it): the compiler cannot know the memory stays as it is during the call. An
    /// `inout` access promises exactly that, so `queryInPlace` reads the state where it is.
    /// Nothing is written: readers may share the memory (the server calls this under a read lock).
    public static func query(at account: UnsafeMutablePointer<AccountMetrics>, _ q: MetricsQuery, now: Int64) -> MetricsResult {
        account.pointee.queryInPlace(q, now: now)
    }

    private mutating func queryInPlace(_ q: MetricsQuery, now: Int64) -> MetricsResult {
        query(q, now: now)
    }

    public func query(_ q: MetricsQuery, now: Int64) -> MetricsResult {
        let dir = directory
        let nowMinute = Retention.minute(of: now)
        let cutoff = nowMinute - Retention.byTimeMinutes
        let filters = resolve(q.filters)

        var needed = q.metrics
        if case let .metric(m) = q.sort.key, q.groupBy != nil, !needed.contains(m) { needed.append(m) }
        let needByTime = needed.contains { $0.kind == .byTime }
        let needAssigned = needed.contains { $0 == .assignedConversations || $0 == .activeConversations }
        let needAgents = needed.contains { $0.kind == .currentValue && $0 != .assignedConversations && $0 != .activeConversations }

        // Keys of the groupBy section and the per-entity accumulators they read.
        var keys: [String] = []
        var keyEntity: [Int32] = []
        var entityCount = 0
        switch q.groupBy {
        case .skillId?:
            entityCount = dir.skillNames.count
            if q.filters.skillIds.isEmpty {
                keys.reserveCapacity(entityCount)
                keyEntity.reserveCapacity(entityCount)
                for s in 0..<entityCount where dir.skillNames[s] != nil || !dir.skillAgents[s].isEmpty
                    || Int64(dir.skillLastSampleMinute[s]) >= cutoff || dir.skillOpenAssigned[s] > 0
                {
                    keys.append(dir.skills.ids[s])
                    keyEntity.append(Int32(s))
                }
            } else {
                for k in q.filters.skillIds {
                    keys.append(k)
                    keyEntity.append(dir.skills.find(k) ?? -1)
                }
            }
        case .agentGroupId?:
            entityCount = dir.groupNames.count
            if q.filters.agentGroupIds.isEmpty {
                keys.reserveCapacity(entityCount)
                keyEntity.reserveCapacity(entityCount)
                for g in 0..<entityCount where dir.groupNames[g] != nil || !dir.groupMembers[g].isEmpty
                    || Int64(dir.groupLastSampleMinute[g]) >= cutoff
                {
                    keys.append(dir.groups.ids[g])
                    keyEntity.append(Int32(g))
                }
            } else {
                for k in q.filters.agentGroupIds {
                    keys.append(k)
                    keyEntity.append(dir.groups.find(k) ?? -1)
                }
            }
        case nil:
            break
        }

        var all = GroupAccumulator()
        var direct = [GroupAccumulator](repeating: GroupAccumulator(), count: entityCount)

        if needByTime && q.fromMs <= now {
            let lo = max(Retention.minute(of: q.fromMs), cutoff)
            let hi = Retention.minute(of: min(q.toMs, now))
            if lo <= hi {
                accumulateSamples(
                    lo: Int32(clamping: lo), hi: Int32(clamping: hi), filters: filters, groupBy: q.groupBy,
                    all: &all, direct: &direct)
            }
        }
        if needAgents || needAssigned {
            accumulateCurrent(
                now: now, filters: filters, groupBy: q.groupBy, agentMetrics: needAgents,
                assignedMetrics: needAssigned, all: &all, direct: &direct)
        }

        let allValues = q.includeAll ? all.values(q.metrics) : nil
        guard let groupBy = q.groupBy else {
            return MetricsResult(count: 0, groups: nil, all: allValues)
        }

        if groupBy == .agentGroupId && q.filters.includeSubGroups {
            // Children after parents in `order`: a reverse walk adds each subtree into its parent.
            for g in dir.forestOrder.reversed() {
                let p = dir.groupParent[Int(g)]
                if p >= 0 { direct[Int(p)].add(direct[Int(g)]) }
            }
        }

        // The rows are sorted as indexes into arrays of what the comparisons read (each key's
        // numeric value worked out once, `KeyOrder.numericValue`): moving 4-byte indexes, not
        // rows holding a String. Keys are distinct, so the order is total and the same as
        // sorting the rows themselves.
        let numerics = keys.map(KeyOrder.numericValue)
        var sortValues: [Double?] = []
        if case let .metric(m) = q.sort.key {
            sortValues = keyEntity.map { e in (e >= 0 ? direct[Int(e)] : GroupAccumulator()).value(of: m)?.sortValue }
        }
        var order = [Int32](0..<Int32(keys.count))
        let descending = q.sort.descending
        keys.withUnsafeBufferPointer { keys in
        numerics.withUnsafeBufferPointer { numerics in
        sortValues.withUnsafeBufferPointer { sortValues in
            func keyPrecedes(_ a: Int, _ b: Int) -> Bool {
                KeyOrder.precedes(keys[a], numerics[a], keys[b], numerics[b])
            }
            switch q.sort.key {
            case .key:
                order.sort { a, b in descending ? keyPrecedes(Int(b), Int(a)) : keyPrecedes(Int(a), Int(b)) }
            case .metric:
                order.sort { a, b in
                    switch (sortValues[Int(a)], sortValues[Int(b)]) {
                    case let (x?, y?):
                        if x != y { return descending ? x > y : x < y }
                        return keyPrecedes(Int(a), Int(b))
                    case (.some, nil): return true
                    case (nil, .some): return false
                    case (nil, nil): return keyPrecedes(Int(a), Int(b))
                    }
                }
            }
        }
        }
        }

        var page: [MetricsResult.Group] = []
        let start = min(max(q.offset, 0), order.count)
        let end = min(start + min(max(q.limit, 0), order.count - start), order.count)
        for row in order[start..<end] {
            let entity = keyEntity[Int(row)]
            let acc = entity >= 0 ? direct[Int(entity)] : GroupAccumulator()
            let name: String?
            switch groupBy {
            case .skillId: name = entity >= 0 ? dir.skillNames[Int(entity)] : nil
            case .agentGroupId: name = entity >= 0 ? dir.groupNames[Int(entity)] : nil
            }
            page.append(.init(key: keys[Int(row)], keyDescription: name ?? "NA", metrics: acc.values(q.metrics)))
        }
        return MetricsResult(count: order.count, groups: page, all: allValues)
    }

    func resolve(_ f: MetricsQuery.Filters) -> ResolvedFilters {
        var r = ResolvedFilters()
        if !f.agentIds.isEmpty {
            r.agents = Set(f.agentIds.compactMap { directory.agents.find($0) })
        }
        if !f.userTypes.isEmpty { r.userTypes = f.userTypes }
        if !f.skillIds.isEmpty {
            var mask = [Bool](repeating: false, count: directory.skillNames.count)
            for s in f.skillIds { if let i = directory.skills.find(s) { mask[Int(i)] = true } }
            r.skills = mask
        }
        if !f.agentGroupIds.isEmpty {
            var mask = [Bool](repeating: false, count: directory.groupNames.count)
            for g in f.agentGroupIds { if let i = directory.groups.find(g) { mask[Int(i)] = true } }
            if f.includeSubGroups {
                for g in directory.forestOrder {
                    let p = directory.groupParent[Int(g)]
                    if p >= 0 && mask[Int(p)] { mask[Int(g)] = true }
                }
            }
            r.groups = mask
        }
        return r
    }

    private func accumulateSamples(
        lo: Int32, hi: Int32, filters: ResolvedFilters, groupBy: MetricsQuery.GroupByField?,
        all: inout GroupAccumulator, direct: inout [GroupAccumulator]
    ) {
        let useAgentTable = filters.agents != nil || filters.skills != nil || groupBy == .skillId
        let table = useAgentTable ? agentSeries : groupSeries
        table.withReader { reader in
        // Tables that keep totals answer whole-range windows from them (`Series.sum(lo:hi:total:base:log:)`).
        func visit(_ id: Int32) {
            let k = reader.key(id)
            if filters.filtersAgents && !k.hasAgent { return }
            if let agents = filters.agents, !agents.contains(k.agent) { return }
            if let groups = filters.groups, !groups[Int(k.group)] { return }
            if let types = filters.userTypes, !types.contains(k.userType == 0 ? .human : .bot) { return }
            if let skills = filters.skills, !skills[Int(k.skill)] { return }
            guard let sum = reader.sum(id, lo: lo, hi: hi) else { return }
            all.samples.add(sum)
            switch groupBy {
            case .skillId?: direct[Int(k.skill)].samples.add(sum)
            case .agentGroupId?: if k.group >= 0 { direct[Int(k.group)].samples.add(sum) }
            case nil: break
            }
        }

        if useAgentTable, let agents = filters.agents {
            for a in agents.sorted() where Int(a) < agentSeriesRefs.count {
                for r in agentSeriesRefs[Int(a)] { visit(r.id) }
            }
        } else if useAgentTable, let skills = filters.skills {
            for s in 0..<min(skills.count, agentSeriesBySkill.count) where skills[s] {
                for id in agentSeriesBySkill[s] { visit(id) }
            }
        } else {
            for id in 0..<Int32(reader.count) { visit(id) }
        }
        }
    }

    private func accumulateCurrent(
        now: Int64, filters: ResolvedFilters, groupBy: MetricsQuery.GroupByField?, agentMetrics: Bool,
        assignedMetrics: Bool, all: inout GroupAccumulator, direct: inout [GroupAccumulator]
    ) {
        let dir = directory
        let openedSince = now &- Retention.openConversationMs
        // The assigned list is read only when the summary cannot answer: a skill filter or
        // groupBy skill (conversation skills), or a conversation older than 30 days.
        let needSkillOfConversations = filters.skills != nil || groupBy == .skillId
        let needAgentSkills = filters.skills != nil || groupBy == .skillId

        direct.withUnsafeMutableBufferPointer { direct in
        dir.agentHot.withUnsafeBufferPointer { hot in
            /// `hasSkill`: the caller knows the agent has a requested skill.
            func visit(_ a: Int32, hasSkill: Bool = false) {
                let agent = hot[Int(a)]
                if let agents = filters.agents, !agents.contains(a) { return }
                if let groups = filters.groups, !groups[Int(agent.group)] { return }
                if let types = filters.userTypes, !types.contains(agent.userType) { return }

                if assignedMetrics && agent.assignedCount > 0 {
                    if !needSkillOfConversations && agent.oldestOpenedAt >= openedSince {
                        let n = Int64(agent.assignedCount)
                        all.assigned &+= n
                        if groupBy == .agentGroupId { direct[Int(agent.group)].assigned &+= n }
                    } else {
                        for conv in dir.agentAssigned[Int(a)] {
                            guard conv.openedAt >= openedSince else { continue }
                            if let skills = filters.skills, !skills[Int(conv.skill)] { continue }
                            all.assigned &+= 1
                            switch groupBy {
                            case .skillId?: direct[Int(conv.skill)].assigned &+= 1
                            case .agentGroupId?: direct[Int(agent.group)].assigned &+= 1
                            case nil: break
                            }
                        }
                    }
                }
                // An offline agent adds nothing to the agent metrics (zero counts, no load).
                guard agentMetrics, agent.state != .offline else { return }
                if !hasSkill, let skills = filters.skills,
                    !dir.agentRecords[Int(a)].skills.contains(where: { skills[Int($0)] })
                {
                    return
                }
                var acc = GroupAccumulator()
                switch agent.state {
                case .online: acc.online = 1
                case .away: acc.away = 1
                case .backSoon: acc.backSoon = 1
                case .offline: break
                }
                if agent.state == .online {
                    acc.availableSlots = Int64(max(0, agent.maxSlots - agent.assignedCount))
                }
                let weight = agent.weightSum
                let slots = Int64(agent.maxSlots)
                acc.loadWeight.0 = weight
                acc.loadSlots.0 = slots
                if agent.userType == .human {
                    acc.loadWeight.1 = weight
                    acc.loadSlots.1 = slots
                    if agent.state == .online {
                        acc.loadWeight.2 = weight
                        acc.loadSlots.2 = slots
                    }
                }
                all.addCurrent(acc)
                switch groupBy {
                case .skillId?:
                    if needAgentSkills { for s in dir.agentRecords[Int(a)].skills { direct[Int(s)].addCurrent(acc) } }
                case .agentGroupId?: direct[Int(agent.group)].addCurrent(acc)
                case nil: break
                }
            }

            if let agents = filters.agents {
                // Sorted: loads sum doubles, and Set order varies between processes.
                for a in agents.sorted() { visit(a) }
            } else if let groups = filters.groups {
                for g in 0..<groups.count where groups[g] {
                    for a in dir.groupMembers[g] { visit(a) }
                }
            } else if let skills = filters.skills, !assignedMetrics {
                // Only agents with a requested skill count, so visit just those (the assigned
                // metrics still walk everyone: a conversation's skill need not be its agent's).
                // Ascending, the order of the full walk, so load sums are the same to the bit.
                var chosen: [Int32] = []
                for s in 0..<min(skills.count, dir.skillAgents.count) where skills[s] {
                    if chosen.isEmpty {
                        chosen = dir.skillAgents[s]
                    } else {
                        chosen = Self.mergeAscending(chosen, dir.skillAgents[s])
                    }
                }
                for a in chosen { visit(a, hasSkill: true) }
            } else {
                for a in 0..<Int32(hot.count) { visit(a) }
            }
        }
        }
    }

    /// The union of two ascending lists without duplicates, ascending.
    static func mergeAscending(_ x: [Int32], _ y: [Int32]) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(x.count + y.count)
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if j == y.count || (i < x.count && x[i] < y[j]) {
                out.append(x[i]); i += 1
            } else if i == x.count || y[j] < x[i] {
                out.append(y[j]); j += 1
            } else {
                out.append(x[i]); i += 1; j += 1
            }
        }
        return out
    }
}
