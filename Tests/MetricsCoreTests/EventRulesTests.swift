import MetricsCore
import Testing

/// SPEC §2 and "Precise rules — Events": what is rejected, and that a rejection changes nothing.
@Suite struct EventRulesTests {
    let now = T0 + hour

    @Test func unknownConversationRejected() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        f.expectRejected(T0, .consumerMessage(conversationId: "nope"))
        f.expectRejected(T0, .conversationAssigned(conversationId: "nope", agentId: "h1", weight: 1))
        f.expectRejected(T0, .conversationClosed(conversationId: "nope", closedBy: .agent))
        #expect(f.query([.closedConversations], now: now).all?[.closedConversations] == .c(0))
    }

    @Test func unknownAgentRejectedAndChangesNothing() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0)
        f.expectRejected(T0 + 1, .conversationAssigned(conversationId: "c1", agentId: "ghost", weight: 1))
        f.expectRejected(T0 + 1, .agentMessage(conversationId: "c1", agentId: "ghost"))
        f.expectRejected(T0 + 1, .agentStateChanged(agentId: "ghost", state: .online))
        let r = f.query([.assignedConversations, .onlineAgents], now: now, filters: .init(agentIds: ["h1"]))
        #expect(r.all?[.assignedConversations] == .c(1))
        #expect(r.all?[.onlineAgents] == .c(1))
    }

    @Test func eventAfterCloseRejected() {
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        f.open("c1", "s1", at: T0); f.close("c1", at: T0 + 1)
        f.expectRejected(T0 + 2, .consumerMessage(conversationId: "c1"))
        f.expectRejected(T0 + 2, .conversationAssigned(conversationId: "c1", agentId: "h1", weight: 1))
        f.expectRejected(T0 + 2, .conversationClosed(conversationId: "c1", closedBy: .agent))
        f.expectRejected(T0 + 2, .conversationOpened(conversationId: "c1", skillId: "s1"))
        #expect(f.query([.closedConversations, .assignedConversations], now: now).all?[.closedConversations] == .c(1))
    }

    @Test func secondOpenOfOpenIdRejected() {
        var f = Fixture()
        f.open("c1", "s1", at: T0)
        f.expectRejected(T0 + 1, .conversationOpened(conversationId: "c1", skillId: "s2"))
        f.close("c1", at: T0 + 2)
        let r = f.query([.closedConversations], now: now, groupBy: .skillId)
        #expect(r.group("s1")?[.closedConversations] == .c(1))
        #expect(r.keys == ["s1"])
    }

    @Test func groupCyclesRejected() {
        var f = Fixture()
        f.group("g1"); f.group("g2", parent: "g1"); f.group("g3", parent: "g2")
        f.expectRejected(T0, .agentGroupUpserted(agentGroupId: "g1", name: "x", parentGroupId: "g3"))
        f.expectRejected(T0, .agentGroupUpserted(agentGroupId: "g1", name: "x", parentGroupId: "g1"))
        f.agent("a3", group: "g3", skills: ["s1"])
        // The forest is unchanged: g1's subtree still holds g3's agent, and g1 kept its name.
        let r = f.query([.onlineAgents], now: now, filters: .init(agentGroupIds: ["g1"], includeSubGroups: true), groupBy: .agentGroupId)
        #expect(r.group("g1")?[.onlineAgents] == .c(1))
        #expect(r.groups?.first?.keyDescription == "group g1")
    }

    @Test func eventGoingBackInTimeForAConversationRejected() {
        var f = Fixture()
        f.open("c1", "s1", at: T0 + 10)
        f.expectRejected(T0 + 5, .consumerMessage(conversationId: "c1"))
        f.expectApplied(T0 + 10, .consumerMessage(conversationId: "c1"))
    }

    @Test func invalidInputsRejectedWithoutTrapping() {
        var f = Fixture()
        f.expectRejected(-1, .skillUpserted(skillId: "s", name: "n"))
        f.expectRejected(Int64.max, .skillUpserted(skillId: "s", name: "n"))
        f.expectRejected(T0, .agentUpserted(agentId: "a", name: "n", userType: .human, agentGroupId: "g", skillIds: [], maxSlots: -1))
        f.expectRejected(T0, .agentUpserted(agentId: "a", name: "n", userType: .human, agentGroupId: "g", skillIds: [], maxSlots: Int.max))
        f.agent("a", group: "g", skills: ["s"])
        f.open("c", "s", at: T0)
        f.expectRejected(T0, .conversationAssigned(conversationId: "c", agentId: "a", weight: .nan))
        f.expectRejected(T0, .conversationAssigned(conversationId: "c", agentId: "a", weight: -1))
        f.expectRejected(T0, .conversationAssigned(conversationId: "c", agentId: "a", weight: .infinity))
    }

    @Test func accountsAreFullySeparate() {
        var store = MetricsStore()
        #expect(store.apply(Event(time: T0, kind: .conversationOpened(conversationId: "c", skillId: "s")), account: "A", now: T0) == .applied)
        #expect(store.apply(Event(time: T0, kind: .conversationClosed(conversationId: "c", closedBy: .agent)), account: "B", now: T0) != .applied)
        #expect(store.apply(Event(time: T0 + 1, kind: .conversationClosed(conversationId: "c", closedBy: .agent)), account: "A", now: T0) == .applied)
        let q = MetricsQuery(accountId: "B", fromMs: T0, toMs: T0 + hour, metrics: [.closedConversations])
        #expect(store.query(q, now: T0 + hour).all?[.closedConversations] == .c(0))
        var qa = q; qa.accountId = "A"
        #expect(store.query(qa, now: T0 + hour).all?[.closedConversations] == .c(1))
    }
}
