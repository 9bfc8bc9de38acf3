import Foundation
import MetricsAPI
import MetricsCore
@testable import MetricsServer
import Storage
import Synchronization
import Testing

/// The service over a real data dir: snapshots written, recovery from snapshot + tail equal to
/// the live state and to a full replay, a damaged newest snapshot falling back to the older one,
/// covered segments deleted, and exactly-once ingest across them.
struct SnapshotRecoveryTests {
    static let now: Int64 = 1_700_000_000_000 + 5 * 3_600_000

    func service() -> MetricsService {
        MetricsService(authenticator: Authenticator(tokens: nil, defaultLimits: .default, noAuth: true), clock: { Self.now })
    }

    func temp() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)").path
    }

    /// Batches of a simulated account (two accounts, so the snapshot holds more than one).
    func batches(seed: UInt64) -> [PublishEventsRequest] {
        var sim = Simulator(seed: seed, config: .small(startMs: 1_700_000_000_000, conversations: 80))
        var out: [PublishEventsRequest] = []
        var events: [EventMessage] = []
        while let e = sim.next() {
            events.append(e.message)
            if events.count == 25 {
                var r = PublishEventsRequest()
                r.accountId = out.count % 3 == 0 ? "b" : "a"
                r.producerId = "p\(out.count % 2)"
                r.sequence = Int64(out.count / 2 + 1)
                r.events = events
                out.append(r)
                events = []
            }
        }
        return out
    }

    func publish(_ svc: MetricsService, _ r: PublishEventsRequest) async throws -> PublishEventsResponse {
        try await withCheckedThrowingContinuation { c in
            svc.publishEvents(r, authorization: nil, peer: "t") { c.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// Every account's whole core state and producer sequences, as bytes.
    func state(_ svc: MetricsService) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for id in svc.registry.accountIds {
            out[id] = svc.registry.read(account: id) { s in
                var w = SnapshotWriter()
                for (p, q) in s.lastSequence.sorted(by: { $0.key < $1.key }) {
                    w.string(p)
                    w.i64(q)
                }
                return w.bytes + s.metrics.snapshotBytes()
            }
        }
        return out
    }

    func options() -> MetricsService.SnapshotOptions {
        var o = MetricsService.SnapshotOptions()
        o.everyBytes = 0
        o.intervalMs = 0
        o.segmentBytes = 8 << 10
        return o
    }

    func snapshotFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".snapshot") }.sorted()
    }

    func segmentFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".wal") }.sorted()
    }

    @Test func snapshotPlusTailEqualsLiveStateAndDeletesCoveredSegments() async throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = batches(seed: 4)
        #expect(all.count > 40)
        let live = service()
        _ = try live.openLog(directory: dir, snapshots: options()) { _ in }
        let third = all.count / 3
        for r in all[..<third] { _ = try await publish(live, r) }
        let first = live.snapshotNow()
        #expect(first == UInt64(third))
        #expect(snapshotFiles(dir) == [SnapshotStore.name(lsn: first)])
        let segmentsAfterOne = segmentFiles(dir)
        #expect(segmentsAfterOne.first == "00000000000000000001.wal", "one snapshot deletes nothing")
        for r in all[third..<(2 * third)] { _ = try await publish(live, r) }
        let second = live.snapshotNow()
        #expect(snapshotFiles(dir) == [SnapshotStore.name(lsn: first), SnapshotStore.name(lsn: second)])
        // Segments wholly covered by the older kept snapshot are gone; the one holding first + 1 stays.
        let remaining = segmentFiles(dir)
        #expect(!remaining.contains("00000000000000000001.wal"))
        let firstRemaining = UInt64(remaining.first!.dropLast(4))!
        #expect(firstRemaining <= first + 1)
        for r in all[(2 * third)...] { _ = try await publish(live, r) }
        let liveState = state(live)
        live.closeLog()

        var lines: [String] = []
        let restarted = service()
        let report = try restarted.openLog(directory: dir, snapshots: options()) { lines.append($0) }
        #expect(report.records == all.count - 2 * third)
        #expect(state(restarted) == liveState)
        #expect(lines.contains { $0.hasPrefix("snapshot: loaded \(dir)/\(SnapshotStore.name(lsn: second))") })
        // Exactly once across the snapshot: a batch it covers is a duplicate, and so is one from the tail.
        #expect(try await publish(restarted, all[1]).duplicate)
        #expect(try await publish(restarted, all[all.count - 1]).duplicate)
        // A third snapshot drops the first one.
        var next = all[0]
        next.sequence = 10_000
        _ = try await publish(restarted, next)
        let third3 = restarted.snapshotNow()
        #expect(snapshotFiles(dir) == [SnapshotStore.name(lsn: second), SnapshotStore.name(lsn: third3)])
        restarted.closeLog()
    }

    @Test func damagedNewestSnapshotFallsBackToTheOlderOne() async throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = batches(seed: 9)
        let live = service()
        _ = try live.openLog(directory: dir, snapshots: options()) { _ in }
        for (i, r) in all.enumerated() {
            _ = try await publish(live, r)
            if i == all.count / 3 || i == 2 * all.count / 3 { live.snapshotNow() }
        }
        let liveState = state(live)
        live.closeLog()
        let snaps = snapshotFiles(dir)
        #expect(snaps.count == 2)
        // Flip one byte in the middle of the newest.
        let newest = dir + "/" + snaps[1]
        var bytes = Array(FileManager.default.contents(atPath: newest)!)
        bytes[bytes.count / 2] ^= 0x40
        #expect(FileManager.default.createFile(atPath: newest, contents: Data(bytes)))

        var lines: [String] = []
        let restarted = service()
        _ = try restarted.openLog(directory: dir, snapshots: options()) { lines.append($0) }
        #expect(state(restarted) == liveState)
        #expect(lines.contains { $0.contains("snapshot: \(newest) is unusable") && $0.contains("CRC mismatch")
            && $0.contains("trying the older \(snaps[0])") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("snapshot: loaded \(dir)/\(snaps[0])") })
        restarted.closeLog()

        // Both damaged: the log no longer starts at record 1, so start-up stops and says why.
        let oldest = dir + "/" + snaps[0]
        #expect(FileManager.default.createFile(atPath: oldest, contents: Data(Array(FileManager.default.contents(atPath: oldest)!).dropLast(9))))
        var lines2: [String] = []
        #expect {
            _ = try service().openLog(directory: dir, snapshots: options()) { lines2.append($0) }
        } throws: { error in
            "\(error)".hasPrefix("no usable snapshot, and the write-ahead log starts at record ")
        }
        #expect(lines2.contains { $0.contains("\(oldest) is unusable") && $0.contains("replaying the whole log") }, "\(lines2)")
    }

    /// No snapshot was ever written by size or time here; with the size trigger at one byte,
    /// every batch starts one (at most one at a time), and the state still recovers exactly.
    @Test func sizeTriggerWritesSnapshotsInTheBackground() async throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = options()
        o.everyBytes = 1
        let lines = Mutex<[String]>([])
        o.log = { line in lines.withLock { $0.append(line) } }
        let live = service()
        _ = try live.openLog(directory: dir, snapshots: o) { _ in }
        let all = batches(seed: 2)
        for r in all { _ = try await publish(live, r) }
        let liveState = state(live)
        live.closeLog()
        #expect(lines.withLock { $0.contains { $0.hasPrefix("snapshot: wrote ") } })
        #expect(snapshotFiles(dir).count <= 2 && !snapshotFiles(dir).isEmpty)
        let restarted = service()
        _ = try restarted.openLog(directory: dir, snapshots: options()) { _ in }
        #expect(state(restarted) == liveState)
        restarted.closeLog()
    }
}
