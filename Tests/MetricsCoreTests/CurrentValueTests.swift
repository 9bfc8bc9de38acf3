import MetricsCore
import Testing

/// SPEC §3 current-value metrics: agents, slots, loads, assigned conversations.
@Suite struct CurrentValueTests {
    let now = T0 + hour

    @Test func agentIsOfflineUntilFirstStateChangeAndReUpsertKeepsState() {
        var f = Fixture()
        f.agent("a1", group: "g1", skills: ["s1"], state: nil)
        var r = f.query([.onlineAgents, .awayAgents, .backSoonAgents], now: now)
        #expect(r.all?[.onlineAgents] == .c(0))
        f.expectApplied(T0, .agentStateChanged(agentId: "a1", state: .away))
        f.agent("a1", group: "g1", skills: ["s1", "s2"], state: nil)
        r = f.query([.onlineAgents, .awayAgents, .backSoonAgents], now: now)
        #expect(r.all?[.awayAgents] == .c(1))
        #expect(r.all?[.onlineAgents] == .c(0))
        #expect(r.all?[.backSoonAgents] == .c(0))
    }

    @Test func agentCountedUnderEverySkillItHasButOnceInAll() {
        var f = Fixture()
        f.skill("s1"); f.skill("s2"); f.skill("s3")
        f.agent("a1", group: "g1", skills: ["s1", "s2"])
        f.agent("a2", group: "g1", skills: ["s2"], state: .backSoon)
        let r = f.query([.onlineAgents, .backSoonAgents, .availableSlots], now: now, groupBy: .skillId)
        #expect(r.group("s1")?[.onlineAgents] == .c(1))
        #expect(r.group("s2")?[.onlineAgents] == .c(1))
        #expect(r.group("s2")?[.backSoonAgents] == .c(1))
        #expect(r.group("s3")?[.onlineAgents] == .c(0))
        #expect(r.all?[.onlineAgents] == .c(1))
        #expect(r.all?[.availableSlots] == .c(4))
        let filtered = f.query([.onlineAgents, .backSoonAgents], now: now, filters: .init(skillIds: ["s1", "s3"]))
        #expect(filtered.all?[.onlineAgents] == .c(1))
        #expect(filtered.all?[.backSoonAgents] == .c(0))
    }

    /// Skill filters on agent metrics follow re-upserts that drop or add skills, and an agent
    /// with several of the requested skills counts once.
    @Test func skillFilterFollowsReUpsertedSkills() {
        var f = Fixture()
        f.skill("s1"); f.skill("s2"); f.skill("s3")
        f.agent("a1", group: "g1", skills: ["s1"], slots: 4)
        f.agent("a2", group: "g1", skills: ["s1", "s2"], slots: 2, state: .away)
        f.agent("a3", group: "g2", skills: ["s3"], slots: 8)
        func online(_ skills: [String]) -> MetricValue? {
            f.query([.onlineAgents], now: now, filters: .init(skillIds: skills)).all?[.onlineAgents]
        }
        func away(_ skills: [String]) -> MetricValue? {
            f.query([.awayAgents], now: now, filters: .init(skillIds: skills)).all?[.awayAgents]
        }
        #expect(online(["s1"]) == .c(1))
        #expect(away(["s1", "s2"]) == .c(1))
        // a1 drops s1 for s2; a3 gains s1.
        f.agent("a1", group: "g1", skills: ["s2"], slots: 4, state: nil)
        f.agent("a3", group: "g2", skills: ["s3", "s1"], slots: 8, state: nil)
        #expect(online(["s1"]) == .c(1))  // a3 now
        #expect(online(["s2"]) == .c(1))  // a1
        #expect(online(["s1", "s2", "s3"]) == .c(2))
        #expect(away(["s2", "s1"]) == .c(1))
        let loads = f.query([.availableSlots], now: now, filters: .init(skillIds: ["s2"]))
        #expect(loads.all?[.availableSlots] == .c(4))  // a1 only: a2 is away
        f.agent("a3", group: "g2", skills: [], slots: 8, state: nil)
        #expect(online(["s1"]) == .c(0))
        #expect(online(["s3"]) == .c(0))
    }

    @Test func loadsAndSlotsOverTheRightAgents() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"], slots: 4)
        f.agent("h2", group: "g1", skills: ["s1"], slots: 2, state: .away)
        f.agent("b1", group: "g1", skills: ["s1"], slots: 10, type: .bot)
        f.agent("h3", group: "g1", skills: ["s1"], slots: 8, state: .offline)
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", weight: 1.5, at: T0)
        f.open("c2", "s2", at: T0); f.assign("c2", "h1", weight: 0.5, at: T0)
        f.open("c3", "s1", at: T0); f.assign("c3", "h2", at: T0)
        f.open("c4", "s1", at: T0); f.assign("c4", "b1", at: T0)
        f.open("c5", "s1", at: T0); f.assign("c5", "h3", at: T0)
        let r = f.query([.agentLoad, .humanAgentLoad, .humanOnlineLoad, .availableSlots, .assignedConversations], now: now)
        // not OFFLINE: h1 (2.0 of 4), h2 (1 of 2), b1 (1 of 10)
        #expect(r.all?[.agentLoad] == .d(100 * 4.0 / 16))
        #expect(r.all?[.humanAgentLoad] == .d(100 * 3.0 / 6))
        #expect(r.all?[.humanOnlineLoad] == .d(100 * 2.0 / 4))
        // ONLINE: h1 4−2, b1 10−1
        #expect(r.all?[.availableSlots] == .c(11))
        #expect(r.all?[.assignedConversations] == .c(5))
        // Slots and loads count conversations of every skill; assignedConversations uses the conversation's skill.
        let s1 = f.query([.humanOnlineLoad, .assignedConversations], now: now, filters: .init(skillIds: ["s1"]))
        #expect(s1.all?[.humanOnlineLoad] == .d(50))
        #expect(s1.all?[.assignedConversations] == .c(4))
    }

    @Test func loadsAbsentWithNoCapacity() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"], slots: 0)
        f.agent("h2", group: "g2", skills: ["s1"], slots: 3, state: .offline)
        let r = f.query([.agentLoad, .humanAgentLoad, .humanOnlineLoad, .availableSlots], now: now, groupBy: .agentGroupId)
        #expect(r.all?[.agentLoad] == nil)
        #expect(r.all?[.humanOnlineLoad] == nil)
        #expect(r.all?[.availableSlots] == .c(0))
        #expect(r.group("g2")?[.agentLoad] == nil)
    }

    @Test func availableSlotsNeverNegative() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"], slots: 1)
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0)
        f.open("c2", "s1", at: T0); f.assign("c2", "h1", at: T0)
        let r = f.query([.availableSlots, .agentLoad], now: now)
        #expect(r.all?[.availableSlots] == .c(0))
        #expect(r.all?[.agentLoad] == .d(200))
    }

    @Test func assignedConversationsLimitedTo30DaysButSlotsCountAllAges() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"], slots: 4)
        f.open("old", "s1", at: T0); f.assign("old", "h1", at: T0)
        f.open("new", "s1", at: T0 + 20 * day); f.assign("new", "h1", at: T0 + 20 * day)
        let later = T0 + 31 * day
        let r = f.query([.assignedConversations, .activeConversations, .availableSlots, .agentLoad], now: later)
        #expect(r.all?[.assignedConversations] == .c(1))
        #expect(r.all?[.activeConversations] == .c(1))
        #expect(r.all?[.availableSlots] == .c(2))
        #expect(r.all?[.agentLoad] == .d(50))
        let exactly30 = f.query([.assignedConversations], now: T0 + 30 * day)
        #expect(exactly30.all?[.assignedConversations] == .c(2))
    }

    @Test func currentValueMetricsIgnoreTheWindow() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0)
        let r = f.query([.assignedConversations, .onlineAgents], now: now, from: now + hour, to: now + 2 * hour)
        #expect(r.all?[.assignedConversations] == .c(1))
        #expect(r.all?[.onlineAgents] == .c(1))
    }

    @Test func unassignedOpenConversationIsNotAssigned() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0); f.unassign("c1", at: T0 + 1)
        let r = f.query([.assignedConversations, .agentLoad], now: now)
        #expect(r.all?[.assignedConversations] == .c(0))
        #expect(r.all?[.agentLoad] == .d(0))
    }
}
