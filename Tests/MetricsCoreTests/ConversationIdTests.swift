@testable import MetricsCore
import Testing

/// Conversation ids are opaque strings (SPEC §2): the conversation index must find exactly
/// the conversation whose id is `==` to the event's, whatever the id looks like.
@Suite struct ConversationIdTests {
    static let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"

    /// Ids that look alike but are different strings stay different conversations: case
    /// variants of a UUID, a UUID with a trailing space, non-hex look-alikes, short ids, long
    /// ids, non-ASCII ids, and the empty string.
    @Test func lookAlikeIdsAreDifferentConversations() {
        let ids = [
            Self.uuid, Self.uuid.uppercased(), "0F8fad5b-d9cb-469f-a165-70867728950e", Self.uuid + " ",
            "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5bd9cb469fa16570867728950e", "c1", "C1", "",
            String(repeating: "x", count: 200), "conversation-ü-1", "conversation-u\u{308}-2",
        ]
        var f = Fixture()
        f.agent("h1", group: "g1", skills: ["s1"])
        for (i, id) in ids.enumerated() { f.open(id, "s\(i)", at: T0) }
        for (i, id) in ids.enumerated() {
            // Each id is open exactly once and knows its own skill.
            f.expectRejected(T0 + 1, .conversationOpened(conversationId: id, skillId: "other"))
            f.changeSkill(id, "t\(i)", at: T0 + 1)
        }
        for (i, id) in ids.enumerated() where i % 2 == 0 { f.close(id, at: T0 + 2) }
        for (i, id) in ids.enumerated() {
            if i % 2 == 0 {
                f.expectRejected(T0 + 3, .consumerMessage(conversationId: id))
            } else {
                f.consumer(id, at: T0 + 3)
            }
        }
        let r = f.query([.closedConversations], now: T0 + hour, groupBy: .skillId, limit: 100)
        // A skill with only an open unassigned conversation is not "seen" (no key).
        for (i, _) in ids.enumerated() {
            #expect(r.group("t\(i)")?[.closedConversations] == (i % 2 == 0 ? .c(1) : nil))
        }
        // Keys: the closed conversations' skills and the agent's skill.
        #expect(Set(r.keys) == Set(ids.indices.filter { $0 % 2 == 0 }.map { "t\($0)" } + ["s1"]))
        #expect(f.account.openConversationCount == ids.count / 2)
    }

    /// Canonically equivalent spellings are one id, as with `String ==` everywhere else.
    @Test func canonicallyEquivalentIdsAreOneConversation() {
        var f = Fixture()
        f.open("caf\u{e9}", "s1", at: T0)
        f.expectRejected(T0 + 1, .conversationOpened(conversationId: "cafe\u{301}", skillId: "s1"))
        f.close("cafe\u{301}", at: T0 + 2)
        f.expectRejected(T0 + 3, .consumerMessage(conversationId: "caf\u{e9}"))
    }

    /// After prune forgets a closed conversation its id opens a new one; the other ids (open
    /// ones sharing probe chains with the forgotten ones) are still found.
    @Test func pruneForgetsOnlyTheClosedIds() {
        var f = Fixture()
        for i in 0..<3000 { f.open("c\(i)", "s1", at: T0) }
        for i in stride(from: 0, to: 3000, by: 3) { f.close("c\(i)", at: T0 + 1) }
        f.account.prune(now: T0 + day + 2)
        #expect(f.account.openConversationCount == 2000)
        for i in 0..<3000 {
            if i % 3 == 0 {
                f.expectRejected(T0 + day + 3, .consumerMessage(conversationId: "c\(i)"))
                f.open("c\(i)", "s2", at: T0 + day + 3)
            } else {
                f.consumer("c\(i)", at: T0 + day + 3)
            }
        }
        #expect(f.account.openConversationCount == 3000)
    }

    /// The index against a dictionary model: random inserts and prunes of ids drawn from a
    /// small pool (so ids come back after being forgotten) and look-alike UUID spellings.
    @Test(arguments: [1, 2, 3, 4])
    func indexMatchesDictionaryModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = ConversationTable()
        var model: [String: Int32] = [:]
        var time: Int64 = 0
        func id(_ k: UInt64) -> String {
            switch k % 4 {
            case 0: return "c\(k)"
            case 1: return "0f8fad5b-d9cb-469f-a165-\(String(k, radix: 16))"
            case 2: return "0F8FAD5B-D9CB-469F-A165-\(String(k, radix: 16))"
            default: return String(repeating: "long-id-", count: 3) + "\(k)"
            }
        }
        for _ in 0..<20_000 {
            time += 1
            let k = rng.next() % 3000
            let s = id(k)
            let found = table.find(s)
            #expect(found == model[s])
            if found == nil {
                let c = table.insert(ConversationRecord(id: s, skill: 0, openedAt: time, lastTime: time))
                model[s] = c
            } else if let c = found, table.records[Int(c)].isOpen, rng.next() % 2 == 0 {
                table.records[Int(c)].isOpen = false
                table.records[Int(c)].lastTime = time
                table.closedQueue.append(c)
            }
            if rng.next() % 500 == 0 {
                let cutoff = time - Int64(rng.next() % 200)
                table.prune(closedBefore: cutoff)
                model = model.filter { table.records[Int($0.value)].isOpen || table.records[Int($0.value)].closedAt >= cutoff }
            }
            #expect(table.indexCount == model.count)
        }
        for (s, c) in model { #expect(table.find(s) == c) }
        for k in 3000..<3100 { #expect(table.find(id(UInt64(k))) == nil) }
    }
}

/// The agent / group / skill interner against a dictionary model.
@Suite struct InternerTests {
    @Test func internerMatchesDictionaryModel() {
        var rng = SplitMix64(seed: 7)
        var interner = Interner()
        var model: [String: Int32] = [:]
        for _ in 0..<30_000 {
            let k = rng.next() % 5000
            let id = k % 3 == 0 ? "agent-\(k)" : k % 3 == 1 ? "AGENT-\(k)" : "grupo-\u{e9}-\(k)"
            #expect(interner.find(id) == model[id])
            if rng.next() % 2 == 0 {
                let i = interner.intern(id)
                if let m = model[id] { #expect(i == m) } else { #expect(Int(i) == model.count); model[id] = i }
            }
        }
        #expect(interner.count == model.count)
        for (id, i) in model { #expect(interner.find(id) == i); #expect(interner.ids[Int(i)] == id) }
        #expect(interner.find("grupo-e\u{301}-2") == model["grupo-\u{e9}-2"])  // canonical equivalence, as String ==
    }
}
