@testable import MetricsCore
import Testing

/// The exact reason of each rejection (clients see it in the batch response). Apply resolves
/// an event's ids before changing anything and words the reason from the event afterwards,
/// so this pins each wording to its rule.
@Suite struct RejectionReasonTests {
    static func reason(_ f: inout Fixture, _ t: Int64, _ kind: Event.Kind) -> String? {
        if case let .rejected(reason) = f.at(t, kind) { return reason }
        return nil
    }

    @Test func eachRejectionHasItsReason() {
        var f = Fixture()
        f.agent("a1", group: "g1", skills: ["s1"])
        f.open("c1", "s1", at: T0 + 10)
        f.open("c2", "s1", at: T0 + 10)
        f.close("c2", at: T0 + 20)
        #expect(Self.reason(&f, -1, .consumerMessage(conversationId: "c1")) == "time -1 is out of range")
        #expect(Self.reason(&f, T0, .agentStateChanged(agentId: "zz", state: .away)) == "unknown agent zz")
        #expect(Self.reason(&f, T0 + 30, .conversationOpened(conversationId: "c1", skillId: "s1"))
            == "conversation c1 is already open")
        #expect(Self.reason(&f, T0 + 30, .conversationOpened(conversationId: "c2", skillId: "s1"))
            == "conversation c2 is closed")
        #expect(Self.reason(&f, T0 + 30, .consumerMessage(conversationId: "c9")) == "unknown conversation c9")
        #expect(Self.reason(&f, T0 + 30, .skillChanged(conversationId: "c2", skillId: "new")) == "conversation c2 is closed")
        #expect(Self.reason(&f, T0 + 5, .conversationUnassigned(conversationId: "c1"))
            == "conversation c1: time \(T0 + 5) is before its previous event")
        #expect(Self.reason(&f, T0 + 30, .conversationAssigned(conversationId: "c1", agentId: "zz", weight: 1))
            == "unknown agent zz")
        #expect(Self.reason(&f, T0 + 30, .conversationAssigned(conversationId: "c1", agentId: "a1", weight: -0.5))
            == "conversation c1: weight -0.5 is invalid")
        #expect(Self.reason(&f, T0 + 30, .agentMessage(conversationId: "c1", agentId: "zz")) == "unknown agent zz")
        #expect(Self.reason(&f, T0 + 30, .agentGroupUpserted(agentGroupId: "g1", name: "g", parentGroupId: "g1"))
            == "agentGroupId g1: parentGroupId is the group itself (cycle)")
        #expect(Self.reason(&f, T0 + 30, .agentUpserted(
            agentId: "a2", name: "n", userType: .human, agentGroupId: "g1", skillIds: [], maxSlots: -1))
            == "agent a2: maxSlots -1 is out of range")
        // A rejected skill change interned nothing.
        #expect(f.account.directory.skills.find("new") == nil)
    }
}
