@testable import MetricsCore
import Testing

/// Every stored property of a value, recursively, by reflection: a field the snapshot forgot
/// (or one added to the core later and not yet serialized) shows up as a difference.
/// Dictionaries and sets are rendered sorted, so only their contents count.
/// Two kinds of stored property are not compared as stored: a `SeriesTable`'s storage (its
/// point buffers and entry log are raw pointers and positions; each series is compared by its
/// key and its entries as a snapshot writes them, base first, with the totals) and the
/// open-addressing index tables (`IdSlotTable.probes`), whose layout depends on the
/// process's hash seed and growth history and which a restore rebuilds from the ids.
func deepDump(_ x: Any) -> String {
    if let t = x as? SeriesTable {
        let series = t.series.indices.map { id in
            "Series{key=\(deepDump(t.series[id].key)),entries=\(deepDump(t.entries(of: Int32(id))))}"
        }
        return "SeriesTable{keepsTotals=\(t.keepsTotals),totals=\(deepDump(t.totals)),series=[\(series.joined(separator: ","))]}"
    }
    let m = Mirror(reflecting: x)
    switch m.displayStyle {
    case .struct?, .class?, .tuple?:
        return "{" + m.children.filter { $0.label != "probes" }
            .map { "\($0.label ?? "_")=\(deepDump($0.value))" }.joined(separator: ",") + "}"
    case .collection?:
        return "[" + m.children.map { deepDump($0.value) }.joined(separator: ",") + "]"
    case .dictionary?, .set?:
        return "{" + m.children.map { deepDump($0.value) }.sorted().joined(separator: ",") + "}"
    case .optional?:
        return m.children.first.map { "some(" + deepDump($0.value) + ")" } ?? "nil"
    case .enum?:
        return String(reflecting: x)
    default:
        return String(reflecting: x)
    }
}

func decodeSnapshot(_ bytes: [UInt8]) throws -> AccountMetrics {
    try bytes.withUnsafeBytes { raw in try AccountMetrics(snapshot: raw) }
}

func restored(_ a: AccountMetrics) throws -> AccountMetrics { try decodeSnapshot(a.snapshotBytes()) }

@Suite struct SnapshotRoundTripTests {
    /// Snapshot at a random point of a simulator stream, restore, apply the rest to both: the
    /// restored engine answers every random query like the one that applied everything, and
    /// its whole state (every stored field) is the same, right after restoring and at the end.
    static func check(seed: UInt64, config: SimulatorConfig) throws {
        var sim = Simulator(seed: seed, config: config)
        var all: [Event] = []
        while let e = sim.next() { all.append(e) }
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9)
        let cut = Int(rng.next() % UInt64(all.count + 1))
        var full = AccountMetrics()
        var ids = EngineMatchesNaiveTests.Ids()
        var now: Int64 = 0
        var prunes: [Int: Int64] = [:]
        for (i, e) in all.enumerated() where i < cut {
            now = max(now, e.time + (rng.next() % 40 == 0 ? 86_400_000 : 0))
            EngineMatchesNaiveTests.collectIds(e, into: &ids)
            _ = full.apply(e, now: now)
            if rng.next() % 30 == 0 { full.prune(now: now); prunes[i] = now }
        }
        var copy = try restored(full)
        #expect(deepDump(copy) == deepDump(full), "seed \(seed): state differs right after restoring at event \(cut)")
        #expect(copy.snapshotBytes() == full.snapshotBytes())
        for e in all[cut...] {
            now = max(now, e.time + (rng.next() % 40 == 0 ? 86_400_000 : 0))
            EngineMatchesNaiveTests.collectIds(e, into: &ids)
            let a = full.apply(e, now: now), b = copy.apply(e, now: now)
            #expect(a == b, "seed \(seed): \(e)")
            if rng.next() % 30 == 0 {
                full.prune(now: now)
                copy.prune(now: now)
            }
            if rng.next() % 25 == 0 {
                for _ in 0..<3 {
                    let q = EngineMatchesNaiveTests.randomQuery(&rng, ids: ids, now: now)
                    #expect(copy.query(q, now: now) == full.query(q, now: now), "seed \(seed): \(q)")
                }
            }
        }
        for later: Int64 in [0, 60_000, 3_600_000, 86_400_000] {
            for _ in 0..<5 {
                let q = EngineMatchesNaiveTests.randomQuery(&rng, ids: ids, now: now + later)
                #expect(copy.query(q, now: now + later) == full.query(q, now: now + later), "seed \(seed): \(q)")
            }
        }
        #expect(deepDump(copy) == deepDump(full), "seed \(seed): state differs at the end")
    }

    @Test(arguments: Array(UInt64(1)...UInt64(60)))
    func snapshotPlusTailEqualsFullReplay(seed: UInt64) throws {
        try Self.check(seed: seed, config: .small(startMs: 1_700_000_000_000 + Int64(seed) * 7_919, conversations: 60))
    }

    /// Longer than the 24 h retention: pruned series heads, compacted entries, forgotten
    /// conversations and reused slots are in the snapshot.
    @Test(arguments: Array(UInt64(500)...UInt64(505)))
    func snapshotAcrossRetention(seed: UInt64) throws {
        let config = SimulatorConfig(
            agents: 30, groups: 10, groupDepth: 4, skills: 10, conversations: 300, durationMs: 30 * 3_600_000,
            startMs: 1_700_000_000_000 + Int64(seed), botFraction: 0.2, inconsistentFraction: 0.05,
            churnPerConversation: 0.2)
        try Self.check(seed: seed, config: config)
    }

    @Test func emptyAccountRoundTrips() throws {
        let empty = AccountMetrics()
        #expect(deepDump(try restored(empty)) == deepDump(empty))
    }

    /// The reflection check itself must see a difference in a deeply nested field.
    @Test func deepDumpSeesNestedFields() throws {
        var a = AccountMetrics()
        var sim = Simulator(seed: 3, config: .small(startMs: 1_700_000_000_000))
        while let e = sim.next() { _ = a.apply(e, now: e.time) }
        var b = a
        let i = b.conversations.records.indices.last!
        b.conversations.records[i].waitFirstSampled.toggle()
        #expect(deepDump(a) != deepDump(b))
        var c = a
        c.conversations.closedQueueHead += 1
        #expect(deepDump(a) != deepDump(c))
        // A series is compared by its entries (behind a raw pointer), not by its address.
        var d = a
        let series = d.agentSeries.series[0]
        let lastMinute = series.lastMinute
        var one = SampleAggregate()
        one.closedByAgent = 1
        d.agentSeries.add(one, minute: lastMinute, to: 0)
        #expect(deepDump(a) != deepDump(d))
        #expect(deepDump(try restored(a)) == deepDump(a))
    }
}

@Suite struct SnapshotDamageTests {
    static func sample() -> (AccountMetrics, [UInt8], [Event]) {
        var a = AccountMetrics()
        var sim = Simulator(seed: 11, config: .small(startMs: 1_700_000_000_000, conversations: 12))
        var rest: [Event] = []
        var n = 0
        while let e = sim.next() {
            if n < 150 { _ = a.apply(e, now: e.time) } else { rest.append(e) }
            n += 1
        }
        return (a, a.snapshotBytes(), rest)
    }

    @Test func everyTruncationThrows() {
        let (_, bytes, _) = Self.sample()
        #expect(bytes.count > 1_000)
        for n in 0..<bytes.count {
            let prefix = Array(bytes[0..<n])
            #expect(throws: SnapshotError.self, "prefix of \(n) bytes") {
                _ = try decodeSnapshot(prefix)
            }
        }
        var longer = bytes
        longer.append(0)
        #expect(throws: SnapshotError.self) {
            _ = try decodeSnapshot(longer)
        }
    }

    /// Without the file's CRC in front, a changed byte may still describe a valid state (a
    /// different minute, say); what must never happen is a trap, now or when the state is used.
    @Test func everyByteChangeThrowsOrGivesAUsableState() {
        let (_, bytes, rest) = Self.sample()
        var rng = SplitMix64(seed: 5)
        var thrown = 0, accepted = 0
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
            let result: Result<AccountMetrics, any Error> = Result { try decodeSnapshot(damaged) }
            switch result {
            case .failure(let error):
                #expect(error is SnapshotError, "\(error)")
                thrown += 1
            case .success(var state):
                accepted += 1
                // Use it: apply the rest of the stream, prune, query.
                var now: Int64 = 0
                for e in rest.prefix(60) {
                    now = max(now, e.time)
                    _ = state.apply(e, now: now)
                }
                state.prune(now: now + 86_400_000)
                let q = MetricsQuery(accountId: "x", fromMs: now - 86_400_000, toMs: now, metrics: Metric.allCases,
                                     groupBy: i % 2 == 0 ? .skillId : .agentGroupId)
                _ = state.query(q, now: now)
            }
        }
        #expect(thrown > bytes.count / 10, "\(thrown) thrown, \(accepted) accepted")
    }

    /// Window sums binary-search a series' minutes: a snapshot whose minutes repeat or go
    /// backwards (which a byte flip can leave otherwise consistent) is refused by name.
    @Test(arguments: [[10, 10], [10, 12, 11]])
    func seriesMinutesNotStrictlyAscendingAreRefused(minutes: [Int32]) {
        var a = AccountMetrics()
        let entries = minutes.map { SeriesEntry(minute: $0, cumulative: SampleAggregate()) }
        entries.withUnsafeBufferPointer {
            _ = a.agentSeries.restoreSeries(SeriesKey(agent: SeriesKey.noAgent, group: -1, skill: 0, userType: 0), entries: $0, head: 1)
        }
        #expect {
            _ = try decodeSnapshot(a.snapshotBytes())
        } throws: { error in
            "\(error)".contains("series entries are not in ascending minute order (\(minutes.last!) after")
        }
    }

    @Test func unknownVersionIsRefusedByName() {
        var (_, bytes, _) = Self.sample()
        bytes[0] = 99
        #expect {
            _ = try decodeSnapshot(bytes)
        } throws: { error in
            "\(error)".contains("format version 99")
        }
    }
}
