import MetricsCore
import Testing

/// SPEC §3 by-time metrics, each expected value computed by hand.
@Suite struct ByTimeMetricTests {
    static func base() -> Fixture {
        var f = Fixture()
        f.skill("s1"); f.skill("s2")
        f.group("g1")
        f.agent("h1", group: "g1", skills: ["s1"])
        f.agent("h2", group: "g1", skills: ["s1"])
        f.agent("b1", group: "g1", skills: ["s1"], type: .bot)
        return f
    }
    let now = T0 + hour

    @Test func closedConversationsSplitByClosedByAndAttributedToAssignedAgent() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0); f.close("c1", by: .agent, at: T0 + minute)
        f.open("c2", "s1", at: T0); f.assign("c2", "h2", at: T0); f.close("c2", by: .consumer, at: T0 + minute)
        f.open("c3", "s1", at: T0); f.assign("c3", "h1", at: T0); f.close("c3", by: .system, at: T0 + minute)
        let r = f.query([.closedConversations, .closedByAgent, .closedByConsumer, .autoClosed], now: now,
                        filters: .init(agentIds: ["h1"]))
        #expect(r.all?[.closedConversations] == .c(2))
        #expect(r.all?[.closedByAgent] == .c(1))
        #expect(r.all?[.closedByConsumer] == .c(0))
        #expect(r.all?[.autoClosed] == .c(1))
    }

    @Test func closeWhileUnassignedCountsInAllAndUnderSkillButNoGroup() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0); f.unassign("c1", at: T0 + second)
        f.close("c1", by: .consumer, at: T0 + 2 * second)
        let bySkill = f.query([.closedConversations], now: now, groupBy: .skillId)
        #expect(bySkill.all?[.closedConversations] == .c(1))
        #expect(bySkill.group("s1")?[.closedConversations] == .c(1))
        let byGroup = f.query([.closedConversations], now: now, groupBy: .agentGroupId)
        #expect(byGroup.all?[.closedConversations] == .c(1))
        #expect(byGroup.group("g1")?[.closedConversations] == .c(0))
        let filtered = f.query([.closedConversations], now: now, filters: .init(userTypes: [.human, .bot]))
        #expect(filtered.all?[.closedConversations] == .c(0))
    }

    @Test func pendingStartsOnlyIfNotAlreadyPending() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0)
        f.consumer("c1", at: T0); f.consumer("c1", at: T0 + 10 * second)
        f.say("c1", "h1", at: T0 + 30 * second)  // wait 30 s
        f.say("c1", "h1", at: T0 + 35 * second)  // not pending: no sample
        f.consumer("c1", at: T0 + 40 * second)
        f.say("c1", "h1", at: T0 + 50 * second)  // wait 10 s
        let r = f.query([.avgWaitTime, .avgWaitTimeFirstResponse], now: now)
        #expect(r.all?[.avgWaitTime] == .d(20_000))
        #expect(r.all?[.avgWaitTimeFirstResponse] == .d(30_000))
    }

    @Test func botMessagesNeitherClearPendingNorMakeSamples() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.assign("c1", "b1", at: T0)
        f.consumer("c1", at: T0)
        f.say("c1", "b1", at: T0 + 5 * second)
        f.assign("c1", "h1", at: T0 + 10 * second)
        f.say("c1", "h1", at: T0 + 25 * second)
        let r = f.query([.avgWaitTime, .avgTimeToResponse, .avgTimeToFirstResponseFirstAssignment,
                         .avgTimeToFirstResponseAllAssignments], now: now, groupBy: .agentGroupId)
        #expect(r.all?[.avgWaitTime] == .d(25_000))
        #expect(r.all?[.avgTimeToResponse] == .d(15_000))
        #expect(r.all?[.avgTimeToFirstResponseFirstAssignment] == .d(15_000))
        #expect(r.all?[.avgTimeToFirstResponseAllAssignments] == .d(15_000))
        let bots = f.query([.avgWaitTime], now: now, filters: .init(userTypes: [.bot]))
        #expect(bots.all?[.avgWaitTime] == nil)
    }

    @Test func timeToResponseStartsAtMaxOfPendingAndAssignment() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.consumer("c1", at: T0)
        f.assign("c1", "h1", at: T0 + 20 * second)
        f.say("c1", "h1", at: T0 + 50 * second)
        f.consumer("c1", at: T0 + 60 * second)  // pending after the assignment
        f.say("c1", "h1", at: T0 + 70 * second)
        let r = f.query([.avgWaitTime, .avgTimeToResponse], now: now)
        #expect(r.all?[.avgWaitTime] == .d((50_000 + 10_000) / 2))
        #expect(r.all?[.avgTimeToResponse] == .d((30_000 + 10_000) / 2))
    }

    @Test func messageFromNonAssignedHumanMakesSampleFromPendingSince() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.consumer("c1", at: T0)
        f.assign("c1", "h1", at: T0 + 20 * second)
        f.say("c1", "h2", at: T0 + 30 * second)  // supervisor, not assigned
        let r = f.query([.avgWaitTime, .avgTimeToResponse, .avgTimeToFirstResponseAllAssignments], now: now,
                        filters: .init(agentIds: ["h2"]))
        #expect(r.all?[.avgWaitTime] == .d(30_000))
        #expect(r.all?[.avgTimeToResponse] == .d(30_000))
        #expect(r.all?[.avgTimeToFirstResponseAllAssignments] == nil)
        let h1 = f.query([.avgWaitTime], now: now, filters: .init(agentIds: ["h1"]))
        #expect(h1.all?[.avgWaitTime] == nil)
    }

    @Test func reassignToSameAgentStartsNewAssignment() {
        var f = Self.base()
        f.open("c1", "s1", at: T0)
        f.assign("c1", "h1", at: T0)
        f.say("c1", "h1", at: T0 + 10 * second)       // all: 10 s, first: 10 s
        f.assign("c1", "h1", at: T0 + 20 * second)
        f.say("c1", "h1", at: T0 + 50 * second)       // all: 30 s
        f.say("c1", "h1", at: T0 + 55 * second)       // not the first message of the assignment
        let r = f.query([.avgTimeToFirstResponseFirstAssignment, .avgTimeToFirstResponseAllAssignments], now: now)
        #expect(r.all?[.avgTimeToFirstResponseFirstAssignment] == .d(10_000))
        #expect(r.all?[.avgTimeToFirstResponseAllAssignments] == .d(20_000))
    }

    @Test func firstAssignmentOnlyIfFirstHumanAssigneeWritesWhileAssigned() {
        var f = Self.base()
        f.open("c1", "s1", at: T0)
        f.assign("c1", "h1", at: T0)
        f.unassign("c1", at: T0 + 10 * second)
        f.say("c1", "h1", at: T0 + 20 * second)  // no longer assigned
        f.assign("c1", "h2", at: T0 + 30 * second)
        f.say("c1", "h2", at: T0 + 40 * second)
        let r = f.query([.avgTimeToFirstResponseFirstAssignment, .avgTimeToFirstResponseAllAssignments], now: now)
        #expect(r.all?[.avgTimeToFirstResponseFirstAssignment] == nil)
        #expect(r.all?[.avgTimeToFirstResponseAllAssignments] == .d(10_000))
    }

    @Test func skillChangeMidConversationMovesLaterSamples() {
        var f = Self.base()
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0)
        f.consumer("c1", at: T0); f.say("c1", "h1", at: T0 + 4 * second)
        f.changeSkill("c1", "s2", at: T0 + 5 * second)
        f.consumer("c1", at: T0 + 6 * second); f.say("c1", "h1", at: T0 + 8 * second)
        f.close("c1", at: T0 + 9 * second)
        let r = f.query([.avgWaitTime, .closedConversations], now: now, groupBy: .skillId)
        #expect(r.group("s1")?[.avgWaitTime] == .d(4_000))
        #expect(r.group("s2")?[.avgWaitTime] == .d(2_000))
        #expect(r.group("s1")?[.closedConversations] == .c(0))
        #expect(r.group("s2")?[.closedConversations] == .c(1))
        #expect(r.all?[.avgWaitTime] == .d(3_000))
    }

    @Test func sampleKeepsTheGroupItsAgentHadAtSampleTime() {
        var f = Self.base()
        f.group("g2")
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0); f.close("c1", at: T0 + second)
        f.expectApplied(T0 + 2 * second, .agentUpserted(agentId: "h1", name: "h", userType: .human, agentGroupId: "g2", skillIds: ["s1"], maxSlots: 4))
        f.open("c2", "s1", at: T0 + 3 * second); f.assign("c2", "h1", at: T0 + 3 * second)
        let r = f.query([.closedConversations, .assignedConversations, .onlineAgents], now: now, groupBy: .agentGroupId)
        #expect(r.group("g1")?[.closedConversations] == .c(1))
        #expect(r.group("g2")?[.closedConversations] == .c(0))
        #expect(r.group("g1")?[.assignedConversations] == .c(0))
        #expect(r.group("g2")?[.assignedConversations] == .c(1))
        #expect(r.group("g2")?[.onlineAgents] == .c(1))
    }

    @Test func averagesAbsentWithoutSamplesAndCountsNeverAbsent() {
        let f = Self.base()
        let r = f.query([.closedConversations, .avgWaitTime, .assignedConversations], now: now, groupBy: .skillId)
        #expect(r.all?[.closedConversations] == .c(0))
        #expect(r.all?[.avgWaitTime] == nil)
        #expect(r.all?[.assignedConversations] == .c(0))
        #expect(r.group("s1")?[.closedConversations] == .c(0))
    }

    @Test func lateEventOlderThanRetentionChangesStateButDropsSample() {
        var f = Self.base()
        f.applyNow = T0 + 2 * day
        f.open("c1", "s1", at: T0); f.assign("c1", "h1", at: T0)
        f.close("c1", at: T0 + minute)
        let r = f.query([.closedConversations, .assignedConversations], now: T0 + 2 * day, groupBy: .skillId)
        #expect(r.all?[.closedConversations] == .c(0))
        #expect(r.all?[.assignedConversations] == .c(0))
        f.expectRejected(T0 + 2 * minute, .consumerMessage(conversationId: "c1"))
    }
}
