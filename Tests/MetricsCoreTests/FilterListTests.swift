import Testing

import MetricsCore

/// The filter id lists are arrays of distinct ids in first-given order, whether set through
/// the initializer or a property, short (pairwise check) or long (set check).
@Suite struct FilterListTests {
    @Test func repeatsAreDroppedKeepingTheFirstOrder() {
        let f = MetricsQuery.Filters(agentIds: ["a", "b", "a"], agentGroupIds: ["g", "g"], skillIds: ["s2", "s1", "s2", "s1"])
        #expect(f.agentIds == ["a", "b"])
        #expect(f.agentGroupIds == ["g"])
        #expect(f.skillIds == ["s2", "s1"])
    }

    @Test func listsWithoutRepeatsStayAsGiven() {
        let ids = (0..<16).map { "id-\(15 - $0)" }
        #expect(MetricsQuery.Filters(skillIds: ids).skillIds == ids)
        let long = (0..<100).map { "x\($0)" }
        #expect(MetricsQuery.Filters(agentIds: long).agentIds == long)
    }

    @Test func longListsAndSettersDropRepeatsToo() {
        let long = (0..<40).map { "x\($0 % 25)" }
        var f = MetricsQuery.Filters(agentIds: long)
        #expect(f.agentIds == (0..<25).map { "x\($0)" })
        f.skillIds = ["s", "t", "s"]
        #expect(f.skillIds == ["s", "t"])
        f.agentGroupIds = long
        #expect(f.agentGroupIds.count == 25)
        // Canonically equal spellings are the same id, as they were in a Set.
        f.skillIds = ["\u{E9}", "e\u{301}"]
        #expect(f.skillIds == ["\u{E9}"])
    }
}
