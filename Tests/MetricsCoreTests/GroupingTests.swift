import MetricsCore
import Testing

/// SPEC §3 "Filters", "Groups" and the sort/key rules.
@Suite struct GroupingTests {
    let now = T0 + hour

    /// g1 ⊃ g2 ⊃ g3, one agent each, one closed conversation each, plus g4 beside them.
    static func forest() -> Fixture {
        var f = Fixture()
        f.group("1", name: "root"); f.group("2", parent: "1", name: "mid"); f.group("3", parent: "2", name: "leaf")
        f.group("4", name: "other")
        for (i, g) in ["1", "2", "3", "4"].enumerated() {
            f.agent("a\(g)", group: g, skills: ["s1"], slots: 2)
            f.open("c\(g)", "s1", at: T0); f.assign("c\(g)", "a\(g)", at: T0)
            if i < 3 { f.close("c\(g)", at: T0 + second) }
        }
        return f
    }

    @Test func includeSubGroupsRollsUpAcrossThreeLevels() {
        let f = Self.forest()
        let r = f.query([.closedConversations, .onlineAgents], now: now, filters: .init(includeSubGroups: true), groupBy: .agentGroupId)
        #expect(r.group("1")?[.closedConversations] == .c(3))
        #expect(r.group("2")?[.closedConversations] == .c(2))
        #expect(r.group("3")?[.closedConversations] == .c(1))
        #expect(r.group("4")?[.closedConversations] == .c(0))
        #expect(r.group("1")?[.onlineAgents] == .c(3))
        #expect(r.all?[.closedConversations] == .c(3))
        #expect(r.all?[.onlineAgents] == .c(4))
        let direct = f.query([.closedConversations], now: now, groupBy: .agentGroupId)
        #expect(direct.group("1")?[.closedConversations] == .c(1))
        #expect(direct.group("2")?[.closedConversations] == .c(1))
    }

    @Test func allWithoutDoubleCountingAcrossNestedFilterGroups() {
        let f = Self.forest()
        let r = f.query([.closedConversations, .onlineAgents, .assignedConversations], now: now,
                        filters: .init(agentGroupIds: ["1", "2", "4"], includeSubGroups: true), groupBy: .agentGroupId)
        #expect(r.keys == ["1", "2", "4"])
        #expect(r.group("1")?[.closedConversations] == .c(3))
        #expect(r.group("2")?[.closedConversations] == .c(2))
        #expect(r.all?[.closedConversations] == .c(3))
        #expect(r.all?[.onlineAgents] == .c(4))
        #expect(r.all?[.assignedConversations] == .c(1))
        let noSub = f.query([.closedConversations], now: now, filters: .init(agentGroupIds: ["2"]), groupBy: .agentGroupId)
        #expect(noSub.all?[.closedConversations] == .c(1))
    }

    @Test func filtersAndAcrossKindsOrWithin() {
        var f = Self.forest()
        f.agent("b", group: "3", skills: ["s2"], type: .bot)
        f.open("cb", "s2", at: T0); f.assign("cb", "b", at: T0); f.close("cb", at: T0 + second)
        f.open("cx", "s2", at: T0); f.close("cx", at: T0 + second)  // no agent
        let all = f.query([.closedConversations], now: now)
        #expect(all.all?[.closedConversations] == .c(5))
        let or = f.query([.closedConversations], now: now, filters: .init(agentIds: ["a1", "b", "nobody"]))
        #expect(or.all?[.closedConversations] == .c(2))
        let and = f.query([.closedConversations], now: now, filters: .init(agentIds: ["a1", "b"], userTypes: [.bot]))
        #expect(and.all?[.closedConversations] == .c(1))
        let skill = f.query([.closedConversations], now: now, filters: .init(skillIds: ["s2"]))
        #expect(skill.all?[.closedConversations] == .c(2))
        let skillHuman = f.query([.closedConversations], now: now, filters: .init(skillIds: ["s2"], userTypes: [.human]))
        #expect(skillHuman.all?[.closedConversations] == .c(0))
    }

    @Test func naKeysForUnknownIds() {
        var f = Fixture()
        f.skill("s1", "Sales")
        f.agent("a1", group: "ghostGroup", skills: ["s1"])
        f.open("c1", "unnamed", at: T0); f.close("c1", at: T0 + 1)
        let bySkill = f.query([.closedConversations, .avgWaitTime], now: now, groupBy: .skillId)
        #expect(bySkill.keys == ["s1", "unnamed"])
        #expect(bySkill.groups?[0].keyDescription == "Sales")
        #expect(bySkill.groups?[1].keyDescription == "NA")
        let filtered = f.query([.closedConversations, .avgWaitTime], now: now, filters: .init(skillIds: ["zzz"]), groupBy: .skillId)
        #expect(filtered.keys == ["zzz"])
        #expect(filtered.groups?[0].keyDescription == "NA")
        #expect(filtered.group("zzz")?[.closedConversations] == .c(0))
        #expect(filtered.group("zzz")?[.avgWaitTime] == nil)
        let byGroup = f.query([.onlineAgents], now: now, groupBy: .agentGroupId)
        #expect(byGroup.keys == ["ghostGroup"])
        #expect(byGroup.groups?[0].keyDescription == "NA")
    }

    @Test func idsSeenIncludeAgentsSkillsAndOpenAssignedButNotParentOnlyGroups() {
        var f = Fixture()
        f.group("child", parent: "parentOnly")
        f.agent("a1", group: "child", skills: ["sa"])
        f.open("c1", "sc", at: T0); f.assign("c1", "a1", at: T0)
        f.open("c2", "sd", at: T0)  // open, unassigned: not seen
        #expect(f.query([.onlineAgents], now: now, groupBy: .agentGroupId).keys == ["child"])
        #expect(f.query([.onlineAgents], now: now, groupBy: .skillId).keys == ["sa", "sc"])
    }

    @Test func numericAwareKeyOrder() {
        var f = Fixture()
        for k in ["b", "10", "9", "B", "0123456789012345678", "123456789012345678", "a1", "07"] {
            f.skill(k)
        }
        let asc = f.query([.closedConversations], now: now, groupBy: .skillId)
        #expect(asc.keys == ["07", "9", "10", "123456789012345678", "0123456789012345678", "B", "a1", "b"])
        let desc = f.query([.closedConversations], now: now, groupBy: .skillId, sort: .init(key: .key, descending: true))
        #expect(desc.keys == asc.keys.reversed())
    }

    @Test func absentValuesSortLastInBothOrdersAndTiesByKeyAscending() {
        var f = Fixture()
        for s in ["1", "2", "3", "4"] { f.skill(s) }
        f.agent("h", group: "g", skills: ["1", "2", "3"])
        f.open("c1", "1", at: T0); f.consumer("c1", at: T0); f.say("c1", "h", at: T0 + 3000)
        f.open("c2", "2", at: T0); f.consumer("c2", at: T0); f.say("c2", "h", at: T0 + 1000)
        f.open("c3", "3", at: T0); f.consumer("c3", at: T0); f.say("c3", "h", at: T0 + 1000)
        let asc = f.query([], now: now, groupBy: .skillId, sort: .init(key: .metric(.avgWaitTime)))
        #expect(asc.keys == ["2", "3", "1", "4"])
        let desc = f.query([], now: now, groupBy: .skillId, sort: .init(key: .metric(.avgWaitTime), descending: true))
        #expect(desc.keys == ["1", "2", "3", "4"])
        // The sort metric was not requested: computed, not returned.
        #expect(desc.group("1")?[.avgWaitTime] == nil)
    }

    @Test func doublesSortOnTheirRoundedValue() {
        var f = Fixture()
        f.agent("h", group: "g", skills: ["x"], slots: 3000)
        f.agent("k", group: "f", skills: ["x"], slots: 3000)
        f.open("c1", "x", at: T0); f.assign("c1", "h", weight: 1.5, at: T0)
        f.open("c2", "x", at: T0); f.assign("c2", "k", weight: 1.5, at: T0)  // f: 0.05
        f.open("c3", "x", at: T0); f.assign("c3", "h", weight: 0.0001220703125, at: T0)  // g: 0.0500041, rounds to 0.05
        let r = f.query([.agentLoad], now: now, groupBy: .agentGroupId, sort: .init(key: .metric(.agentLoad), descending: true))
        #expect(r.keys == ["f", "g"])
        #expect(MetricValue.rounded3(0.0005) == 0.001)
        #expect(MetricValue.rounded3(-0.0015) == -0.002)
        #expect(MetricValue.rounded3(2.0004999) == 2)
    }

    @Test func activeConversationsEqualsAssignedAndSortsByIt() {
        let f = Self.forest()
        let r = f.query([.activeConversations, .assignedConversations], now: now, groupBy: .agentGroupId,
                        sort: .init(key: .metric(.activeConversations), descending: true))
        #expect(r.keys == ["4", "1", "2", "3"])
        #expect(r.group("4")?[.activeConversations] == .c(1))
        #expect(r.group("4")?[.assignedConversations] == .c(1))
    }

    @Test func offsetLimitAndCount() {
        let f = Self.forest()
        let r = f.query([.closedConversations], now: now, groupBy: .agentGroupId, offset: 1, limit: 2)
        #expect(r.count == 4)
        #expect(r.keys == ["2", "3"])
        let past = f.query([.closedConversations], now: now, groupBy: .agentGroupId, offset: 10, limit: 2)
        #expect(past.count == 4)
        #expect(past.keys == [])
        let noGroup = f.query([.closedConversations], now: now)
        #expect(noGroup.count == 0)
        #expect(noGroup.groups == nil)
        let onlyGroups = f.query([.closedConversations], now: now, groupBy: .agentGroupId, includeAll: false)
        #expect(onlyGroups.all == nil)
        #expect(onlyGroups.count == 4)
    }
}
