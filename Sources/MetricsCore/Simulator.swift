/// A deterministic contact-center event stream: given a seed and a config, the same events in
/// the same order. Directory events come first (at `startMs`), then conversations and
/// directory churn in time order. Some events are deliberately inconsistent (unknown ids,
/// events after close, second opens) and must be rejected by the core.
public struct Simulator: Sendable {
    public let config: SimulatorConfig
    private var rng: SplitMix64
    private var setup: [Event] = []
    private var setupIndex = 0
    private var heap = StepHeap()
    /// Scripts of conversations in flight; a heap actor ≥ 0 indexes here.
    private var scripts: [[Event]] = []
    private var scriptStep: [Int] = []
    private var freeScripts: [Int32] = []
    private var nextArrival = 0

    private var groupIds: [String] = []
    private var groupDepth: [Int] = []
    private var agentIds: [String] = []
    private var agentGroup: [Int] = []
    private var agentType: [UserType] = []
    private var agentSkills: [[Int]] = []
    private var agentSlots: [Int] = []
    private var skillIds: [String] = []
    private var humansBySkill: [[Int]] = []
    private var bots: [Int] = []
    private var humans: [Int] = []

    private static let arrivalActor: Int32 = -1
    private static let churnActor: Int32 = -2

    public private(set) var emitted = 0

    public init(seed: UInt64, config: SimulatorConfig) {
        self.config = config
        rng = SplitMix64(seed: seed)
        buildDirectory()
        if config.conversations > 0 { heap.push(time: arrivalTime(0), actor: Self.arrivalActor) }
        if config.churnPerConversation > 0 && config.conversations > 0 {
            heap.push(time: config.startMs + churnGap(), actor: Self.churnActor)
        }
    }

    /// The next event in time order, or nil when the stream is over.
    public mutating func next() -> Event? {
        if setupIndex < setup.count {
            let e = setup[setupIndex]
            setupIndex += 1
            emitted += 1
            if setupIndex == setup.count {
                setup = []
                setupIndex = 0
            }
            return e
        }
        while let entry = heap.pop() {
            switch entry.actor {
            case Self.arrivalActor:
                startConversation(at: entry.time)
            case Self.churnActor:
                let e = churnEvent(at: entry.time)
                if Int64(nextArrival) < Int64(config.conversations) {
                    heap.push(time: entry.time + churnGap(), actor: Self.churnActor)
                }
                emitted += 1
                return e
            default:
                let s = Int(entry.actor)
                let e = scripts[s][scriptStep[s]]
                scriptStep[s] += 1
                if scriptStep[s] < scripts[s].count {
                    heap.push(time: scripts[s][scriptStep[s]].time, actor: entry.actor)
                } else {
                    scripts[s] = []
                    freeScripts.append(entry.actor)
                }
                emitted += 1
                return e
            }
        }
        return nil
    }

    /// Every event up to and including `time` (or all when nil).
    public mutating func events(until time: Int64? = nil) -> [Event] {
        var out: [Event] = []
        while let t = peekTime(), time.map({ t <= $0 }) ?? true, let e = next() { out.append(e) }
        return out
    }

    /// The time of the next event, if any.
    public func peekTime() -> Int64? {
        if setupIndex < setup.count { return setup[setupIndex].time }
        return heapMinTime
    }

    private var heapMinTime: Int64? {
        heap.peek().map { entry in
            entry.actor >= 0 ? scripts[Int(entry.actor)][scriptStep[Int(entry.actor)]].time : entry.time
        }
    }

    // MARK: directory

    private mutating func buildDirectory() {
        let t = config.startMs
        for s in 0..<config.skills {
            let id = s % 50 == 7 ? "vip-\(s)" : "\(5000 + s)"
            skillIds.append(id)
            setup.append(Event(time: t, kind: .skillUpserted(skillId: id, name: "Skill \(s)")))
        }
        humansBySkill = Array(repeating: [], count: config.skills)
        // Roots first, then each group under a random earlier group of a lower level.
        let roots = max(1, config.groups / 20)
        var groupPool: [[Int]] = []  // skills each group's agents draw from
        for g in 0..<config.groups {
            let id = "\(1_641_700_000 + g * 7)"
            groupIds.append(id)
            var parent: Int? = nil
            if g >= roots {
                var p = rng.below(g)
                var tries = 0
                while groupDepth[p] >= config.groupDepth - 1 && tries < 8 { p = rng.below(g); tries += 1 }
                if groupDepth[p] < config.groupDepth - 1 { parent = p }
            }
            groupDepth.append(parent.map { groupDepth[$0] + 1 } ?? 0)
            setup.append(Event(time: t, kind: .agentGroupUpserted(
                agentGroupId: id, name: "Team \(g)", parentGroupId: parent.map { groupIds[$0] })))
            var pool: [Int] = []
            for _ in 0..<(2 + rng.below(5)) { pool.append(rng.below(config.skills)) }
            groupPool.append(pool)
        }
        for a in 0..<config.agents {
            let g = rng.below(config.groups)
            let type: UserType = rng.chance(config.botFraction) ? .bot : .human
            var skills: [Int] = []
            for _ in 0..<(1 + rng.below(3)) {
                let s = rng.chance(0.9) ? groupPool[g][rng.below(groupPool[g].count)] : rng.below(config.skills)
                if !skills.contains(s) { skills.append(s) }
            }
            let slots = type == .bot ? 20 : (rng.chance(0.05) ? 0 : 1 + rng.below(5))
            agentIds.append("agent-\(a)")
            agentGroup.append(g)
            agentType.append(type)
            agentSkills.append(skills)
            agentSlots.append(slots)
            if type == .bot { bots.append(a) } else {
                humans.append(a)
                for s in skills { humansBySkill[s].append(a) }
            }
            setup.append(upsert(agent: a, at: t))
            if !rng.chance(0.1) {
                let state: AgentState = rng.chance(0.8) ? .online : (rng.chance(0.5) ? .away : .backSoon)
                setup.append(Event(time: t, kind: .agentStateChanged(agentId: agentIds[a], state: state)))
            }
        }
    }

    private func upsert(agent a: Int, at t: Int64) -> Event {
        Event(time: t, kind: .agentUpserted(
            agentId: agentIds[a], name: "Agent \(a)", userType: agentType[a], agentGroupId: groupIds[agentGroup[a]],
            skillIds: agentSkills[a].map { skillIds[$0] }, maxSlots: agentSlots[a]))
    }

    private mutating func churnGap() -> Int64 {
        let perMs = Double(config.conversations) * config.churnPerConversation / Double(config.durationMs)
        let mean = perMs > 0 ? 1 / perMs : Double(config.durationMs)
        return max(1, Int64(mean * 2 * Double(rng.below(1000) + 1) / 1000))
    }

    private mutating func churnEvent(at t: Int64) -> Event {
        let a = rng.below(config.agents)
        let roll = rng.below(100)
        if roll < 4 {
            // An agent moves to another group and gets a new skill; rarely it also changes
            // user type or capacity (samples keep the attributes of their time).
            agentGroup[a] = rng.below(config.groups)
            if rng.chance(0.2) { agentType[a] = agentType[a] == .human ? .bot : .human }
            if rng.chance(0.3) { agentSlots[a] = rng.below(6) }
            let s = rng.below(config.skills)
            if !agentSkills[a].contains(s) {
                agentSkills[a].append(s)
                if agentType[a] == .human { humansBySkill[s].append(a) }
            }
            return upsert(agent: a, at: t)
        }
        if roll < 6 && config.groups > 1 {
            // A group moves under another one; some of these would make a cycle and are rejected.
            let g = rng.below(config.groups)
            let p = rng.below(config.groups)
            return Event(time: t, kind: .agentGroupUpserted(
                agentGroupId: groupIds[g], name: "Team \(g)", parentGroupId: p == g ? nil : groupIds[p]))
        }
        if roll < 7 {
            return Event(time: t, kind: .agentStateChanged(agentId: "ghost-agent-\(rng.below(5))", state: .online))
        }
        let states: [AgentState] = [.online, .online, .online, .away, .backSoon, .offline]
        return Event(time: t, kind: .agentStateChanged(agentId: agentIds[a], state: states[rng.below(states.count)]))
    }

    // MARK: conversations

    private func arrivalTime(_ i: Int) -> Int64 {
        config.startMs + 1 + Int64((Double(i) / Double(max(config.conversations, 1))) * Double(config.durationMs))
    }

    private mutating func startConversation(at t: Int64) {
        let i = nextArrival
        nextArrival += 1
        if nextArrival < config.conversations { heap.push(time: arrivalTime(nextArrival), actor: Self.arrivalActor) }
        let script = makeScript(index: i, start: t)
        let slot: Int32
        if let free = freeScripts.popLast() {
            slot = free
            scripts[Int(slot)] = script
            scriptStep[Int(slot)] = 0
        } else {
            slot = Int32(scripts.count)
            scripts.append(script)
            scriptStep.append(0)
        }
        heap.push(time: script[0].time, actor: slot)
    }

    /// A UUID-shaped id (8-4-4-4-12 lowercase hex) for conversation `i`: the first 64 bits are a
    /// bijective mix of `i`, so ids of different conversations differ.
    static func uuid(_ i: Int) -> String {
        var a = SplitMix64(seed: UInt64(bitPattern: Int64(i)))
        let high = a.next()  // SplitMix64's first output is a bijection of its seed
        let low = a.next()
        let hex = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        for (k, word) in [high, low].enumerated() {
            for nibble in 0..<16 {
                let at = k * 16 + nibble
                if at == 8 || at == 12 || at == 16 || at == 20 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hex[Int((word >> UInt64(60 - 4 * nibble)) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func pickHuman(skill: Int, except: Int? = nil) -> Int {
        let pool = humansBySkill[skill].isEmpty ? humans : humansBySkill[skill]
        guard !pool.isEmpty else { return rng.below(config.agents) }
        var a = pool[rng.below(pool.count)]
        if a == except && pool.count > 1 { a = pool[rng.below(pool.count)] }
        return a
    }

    private mutating func makeScript(index i: Int, start: Int64) -> [Event] {
        let cid = config.uuidConversationIds ? Self.uuid(i) : "c\(i)"
        var t = start
        var out: [Event] = []
        func add(_ kind: Event.Kind) { out.append(Event(time: t, kind: kind)) }
        var skill = rng.below(config.skills)
        let skillId = rng.chance(0.01) ? "unlisted-\(rng.below(3))" : skillIds[skill]
        add(.conversationOpened(conversationId: cid, skillId: skillId))
        let bad = rng.chance(config.inconsistentFraction)
        if bad && rng.chance(0.3) { add(.conversationOpened(conversationId: cid, skillId: skillId)) }
        t += rng.between(0, 5_000)
        add(.consumerMessage(conversationId: cid))
        if !bots.isEmpty && rng.chance(0.3) {
            let b = bots[rng.below(bots.count)]
            t += rng.between(500, 3_000)
            add(.conversationAssigned(conversationId: cid, agentId: agentIds[b], weight: 1))
            for _ in 0..<(1 + rng.below(3)) {
                t += rng.between(1_000, 10_000)
                add(.agentMessage(conversationId: cid, agentId: agentIds[b]))
                t += rng.between(1_000, 30_000)
                add(.consumerMessage(conversationId: cid))
            }
            if rng.chance(0.3) {
                skill = rng.below(config.skills)
                t += rng.between(0, 2_000)
                add(.skillChanged(conversationId: cid, skillId: skillIds[skill]))
            }
            if rng.chance(0.5) { t += 100; add(.conversationUnassigned(conversationId: cid)) }
        }
        t += rng.between(2_000, 240_000)
        if rng.chance(0.05) {
            add(.conversationClosed(conversationId: cid, closedBy: .consumer))  // abandoned in the queue
            return finish(out, bad: bad, cid: cid, t: t)
        }
        let weights: [Double] = [1, 1, 1, 0.5, 1.5, 2, 0.25]
        var agent = pickHuman(skill: skill)
        t += rng.between(0, 1_000)
        add(.conversationAssigned(conversationId: cid, agentId: agentIds[agent], weight: weights[rng.below(weights.count)]))
        for _ in 0..<(1 + rng.below(5)) {
            let roll = rng.below(100)
            if roll < 8 {
                // No reply: back to the queue, then another (or the same) agent.
                t += rng.between(30_000, 300_000)
                add(.conversationUnassigned(conversationId: cid))
                t += rng.between(1_000, 120_000)
                agent = rng.chance(0.3) ? agent : pickHuman(skill: skill, except: agent)
                add(.conversationAssigned(conversationId: cid, agentId: agentIds[agent], weight: 1))
            } else if roll < 13 {
                // Transfer to another skill.
                skill = rng.below(config.skills)
                t += rng.between(1_000, 60_000)
                add(.skillChanged(conversationId: cid, skillId: skillIds[skill]))
                agent = pickHuman(skill: skill, except: agent)
                t += rng.between(1_000, 60_000)
                add(.conversationAssigned(conversationId: cid, agentId: agentIds[agent], weight: 1))
            } else if roll < 16 {
                t += rng.between(1_000, 10_000)
                add(.conversationAssigned(conversationId: cid, agentId: agentIds[agent], weight: 2))
            } else if roll < 20 {
                // A supervisor writes.
                t += rng.between(1_000, 60_000)
                add(.agentMessage(conversationId: cid, agentId: agentIds[pickHuman(skill: skill, except: agent)]))
            }
            t += rng.between(2_000, 120_000)
            add(.agentMessage(conversationId: cid, agentId: agentIds[agent]))
            if rng.chance(0.3) { t += rng.between(1_000, 20_000); add(.agentMessage(conversationId: cid, agentId: agentIds[agent])) }
            t += rng.between(5_000, 180_000)
            add(.consumerMessage(conversationId: cid))
            if rng.chance(0.3) { t += rng.between(1_000, 20_000); add(.consumerMessage(conversationId: cid)) }
        }
        if rng.chance(0.01) { return finish(out, bad: bad, cid: cid, t: t) }  // stays open
        if rng.chance(0.1) { t += rng.between(1_000, 60_000); add(.conversationUnassigned(conversationId: cid)) }
        t += rng.between(10_000, 600_000)
        let by: [ClosedBy] = [.agent, .agent, .consumer, .consumer, .system]
        add(.conversationClosed(conversationId: cid, closedBy: by[rng.below(by.count)]))
        return finish(out, bad: bad, cid: cid, t: t)
    }

    private mutating func finish(_ script: [Event], bad: Bool, cid: String, t: Int64) -> [Event] {
        guard bad else { return script }
        var out = script
        let time = t + rng.between(1, 10_000)
        switch rng.below(3) {
        case 0: out.append(Event(time: time, kind: .consumerMessage(conversationId: cid)))
        case 1: out.append(Event(time: time, kind: .agentMessage(conversationId: cid, agentId: "ghost-agent")))
        default: out.append(Event(time: time, kind: .consumerMessage(conversationId: "ghost-\(cid)")))
        }
        return out
    }
}
