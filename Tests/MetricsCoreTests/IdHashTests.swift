@testable import MetricsCore
import Testing

/// The seeded id hash of the id indexes and the index's behaviour when tags collide.
@Suite struct IdHashTests {
    /// Ids of every length the hash has a separate path for (0, 1–3, 4–7, 8–16, 17–32, > 32).
    static let ids: [String] = (0...48).map { n in String((0..<n).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }) }
        + (0..<200).map { "c\($0)" } + (0..<100).map { "0f8fad5b-d9cb-469f-a165-70867728\(1000 + $0)" }

    @Test func sameSeedSameHashOtherSeedOtherHash() {
        let a = IdHash(seed: 1), a2 = IdHash(seed: 1), b = IdHash(seed: 2)
        for id in Self.ids { #expect(a.hash(id) == a2.hash(id)) }
        let equal = Self.ids.filter { a.hash($0) == b.hash($0) }
        #expect(equal.isEmpty, "seeds 1 and 2 agree on \(equal)")
        #expect(Set(Self.ids.map { a.tag($0) }).count == Set(Self.ids).count, "a 32-bit tag collision among a few hundred ids")
    }

    /// A change of any one byte, at any length, changes the hash: every byte is read (the
    /// short paths read overlapping words; the 1–3-byte path reads bytes 0, n/2 and n−1).
    @Test func everyByteCounts() {
        let h = IdHash(seed: 99)
        for n in 1...48 {
            let base = [UInt8](repeating: 0x61, count: n)
            let hb = base.withUnsafeBytes { h.hashBytes($0).hash }
            for i in 0..<n {
                var changed = base
                changed[i] = 0x62
                #expect(changed.withUnsafeBytes { h.hashBytes($0).hash } != hb, "length \(n), byte \(i)")
            }
        }
    }

    /// Only ASCII bytes take the fast path: a byte ≥ 0x80 anywhere is seen.
    @Test func nonASCIIByteAnywhereIsSeen() {
        let h = IdHash(seed: 5)
        for n in 1...48 {
            let base = [UInt8](repeating: 0x7F, count: n)
            #expect(base.withUnsafeBytes { h.hashBytes($0).ascii })
            for i in 0..<n {
                var b = base
                b[i] = 0x80
                #expect(!b.withUnsafeBytes { h.hashBytes($0).ascii }, "length \(n), byte \(i)")
            }
        }
    }

    /// `String ==` is canonical equivalence; equal strings must hash alike, including a
    /// non-ASCII spelling equal to an ASCII one (KELVIN SIGN is K) and ids over 16 bytes.
    @Test(arguments: [
        ("caf\u{e9}", "cafe\u{301}"),
        ("\u{212A}", "K"),
        ("agent-\u{212A}-17", "agent-K-17"),
        ("grupo-\u{e9}-0123456789-abcdefghij", "grupo-e\u{301}-0123456789-abcdefghij"),
        ("\u{1E9B}\u{323}", "\u{1E9B}\u{323}"),
    ])
    func equalStringsHashAlike(a: String, b: String) {
        #expect(a == b)
        for seed: UInt64 in [0, 1, 0xDEAD_BEEF] {
            #expect(IdHash(seed: seed).hash(a) == IdHash(seed: seed).hash(b))
        }
    }

    /// The table against a dictionary model when ids share tags: every id of a class has
    /// the same tag (so the same home), lookups go by the owner's `matches` along the chain,
    /// and backward-shift deletion keeps every chain reachable.
    @Test(arguments: [1, 3, 1000])
    func tableWithCollidingTagsMatchesModel(tagClasses: UInt32) {
        var rng = SplitMix64(seed: UInt64(tagClasses))
        var table = IdSlotTable(hash: IdHash(seed: 1))
        var model: [Int: Int32] = [:]  // id → slot
        var idAt: [Int32: Int] = [:]   // slot → id (the owner's ids)
        var nextSlot: Int32 = 0
        func tag(_ id: Int) -> UInt32 { UInt32(id) % tagClasses &* 0x9E37_79B9 }
        for _ in 0..<6000 {
            let id = Int(rng.next() % 400)
            let found = table.find(tag: tag(id)) { idAt[$0] == id }
            #expect(found == model[id])
            if let slot = found {
                if rng.next() % 2 == 0 {
                    table.remove(tag: tag(id), slot: slot)
                    model[id] = nil
                    idAt[slot] = nil
                }
            } else {
                table.insert(tag: tag(id), slot: nextSlot)
                model[id] = nextSlot
                idAt[nextSlot] = id
                nextSlot += 1
            }
            #expect(table.count == model.count)
        }
        for id in 0..<400 { #expect(table.find(tag: tag(id)) { idAt[$0] == id } == model[id]) }
    }

    /// The seed changes only the layout of the id indexes: two accounts with different seeds
    /// accept the same events, answer alike and write the same snapshot bytes, and a
    /// snapshot restores under a third seed.
    @Test func stateDoesNotDependOnTheSeed() throws {
        let config = SimulatorConfig(
            agents: 40, groups: 10, groupDepth: 4, skills: 12, conversations: 400, durationMs: 30 * 3_600_000,
            startMs: 1_700_000_000_000, botFraction: 0.2, inconsistentFraction: 0.08,
            churnPerConversation: 0.2)
        var sim = Simulator(seed: 3, config: config)
        var a = AccountMetrics(hashSeed: 1)
        var b = AccountMetrics(hashSeed: 2)
        var ids = EngineMatchesNaiveTests.Ids()
        var conversations: [String] = []
        var now: Int64 = 0
        var rejected = 0
        while let e = sim.next() {
            now = max(now, e.time)
            EngineMatchesNaiveTests.collectIds(e, into: &ids)
            if case let .conversationOpened(c, _) = e.kind { conversations.append(c) }
            let o = a.apply(e, now: now)
            #expect(b.apply(e, now: now) == o)
            if !o.isApplied { rejected += 1 }
        }
        #expect(rejected > 0)
        var rng = SplitMix64(seed: 11)
        for _ in 0..<50 {
            let q = EngineMatchesNaiveTests.randomQuery(&rng, ids: ids, now: now)
            #expect(a.query(q, now: now) == b.query(q, now: now))
        }
        let bytes = a.snapshotBytes()
        #expect(bytes == b.snapshotBytes())
        let c = try bytes.withUnsafeBytes { raw in
            var r = SnapshotReader(raw)
            return try AccountMetrics(snapshot: &r, hashSeed: 3)
        }
        #expect(c.idHash == IdHash(seed: 3))
        #expect(c.snapshotBytes() == bytes)
        #expect(conversations.count > 300)
        for id in conversations { #expect(c.conversations.find(id) == a.conversations.find(id)) }
    }
}
