import Foundation
@testable import Storage
import Testing

/// Snapshot files (frame, CRC, atomic write, pruning) and the log's side of snapshots:
/// recovery after an LSN, covered segments deleted, missing records named.
struct SnapshotStoreTests {
    func chunks(_ seed: Int, sizes: [Int]) -> [[UInt8]] {
        sizes.enumerated().map { i, n in payload(seed &* 7 &+ i, size: n) }
    }

    @Test func writeReadListAndPrune() throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let store = SnapshotStore(directory: dir.path)
        for lsn: UInt64 in [5, 17, 300] {
            let parts = chunks(Int(lsn), sizes: [10, 0, 1000, 3])
            let size = try store.write(lsn: lsn, chunks: parts)
            #expect(size == 32 + 1013 + 4)
            let loaded = try store.read(lsn: lsn)
            #expect(loaded.withPayload { Array($0) } == parts.flatMap { $0 })
            #expect(loaded.payloadCount == 1013)
        }
        #expect(try store.list() == [5, 17, 300])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/00000000000000000017.snapshot"))
        #expect(try store.prune(keep: 2) == [5])
        #expect(try store.list() == [17, 300])
        // No temporaries left by successful writes; a crash's leftover is removed at start.
        dir.write("00000000000000000400.snapshot.tmp", [1, 2, 3])
        #expect(try store.removeTemporaries() == ["00000000000000000400.snapshot.tmp"])
        #expect(try store.list() == [17, 300])
    }

    /// Every prefix of a snapshot file and every single-byte change is refused with an error
    /// naming the file; none is taken for a snapshot.
    @Test func everyTruncationAndByteChangeIsRefused() throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let store = SnapshotStore(directory: dir.path)
        try store.write(lsn: 9, chunks: chunks(1, sizes: [200, 57]))
        let name = SnapshotStore.name(lsn: 9)
        let good = dir.bytes(name)
        for n in 0..<good.count {
            dir.write(name, Array(good[0..<n]))
            #expect(throws: StorageError.self) { _ = try store.read(lsn: 9) }
        }
        for i in 0..<good.count {
            var bad = good
            bad[i] ^= UInt8(truncatingIfNeeded: 1 &+ i % 255)
            dir.write(name, bad)
            do {
                _ = try store.read(lsn: 9)
                Issue.record("byte \(i) changed, read anyway")
            } catch {
                guard case .badSnapshot(let path, let reason) = error else { Issue.record("\(error)"); continue }
                #expect(path == dir.path + "/" + name)
                #expect(!reason.isEmpty)
            }
        }
        dir.write(name, good)
        #expect(try store.read(lsn: 9).payloadCount == 257)
        // A file whose name and contents disagree on the LSN is refused too.
        dir.write(SnapshotStore.name(lsn: 10), good)
        #expect(throws: StorageError.badSnapshot(path: store.path(lsn: 10), reason: "covers record 9, but its name says 10")) {
            _ = try store.read(lsn: 10)
        }
    }

    /// 30 records in segments of ~3 records; a snapshot at 20: segments whose records are all
    /// ≤ 20 are deleted, the rest replays only 21…30, and appends continue at 31.
    @Test func coveredSegmentsAreDeletedAndRecoveryReplaysTheTail() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        var options = WriteAheadLog.Options()
        options.segmentBytes = 3 * (16 + 40)
        let (wal, _, _) = try openLog(dir.path, options: options)
        try await wal.appendAll((1...30).map { payload($0) })
        let before = dir.segments
        #expect(before.count == 10)
        let deleted = try wal.deleteSegments(coveredThrough: 20)
        // Segments start at 1, 4, 7, …, 28: those before the one holding 21 (19…21) go.
        #expect(deleted == Array(before.prefix(6)))
        #expect(dir.segments.first == "00000000000000000019.wal")
        wal.close()

        var replayed: [UInt64] = []
        let (again, report) = try WriteAheadLog.open(directory: dir.path, options: options, after: 20) { lsn, p in
            replayed.append(lsn)
            #expect(Array(p) == payload(Int(lsn)))
        }
        #expect(replayed == Array(21...30))
        #expect(report.coveredRecords == 2)  // 19 and 20, read from the segment that also holds 21
        #expect(report.nextLSN == 31)
        #expect(try await again.append(payload(31)).get() == 31)
        again.close()

        // A later snapshot at 29 also skips segments without reading them.
        var tail: [UInt64] = []
        let (third, report3) = try WriteAheadLog.open(directory: dir.path, options: options, after: 29) { lsn, _ in tail.append(lsn) }
        #expect(tail == [30, 31])
        #expect(report3.coveredSegments == 3)
        third.close()
    }

    @Test func segmentsMissingBelowTheTailAreNamed() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        var options = WriteAheadLog.Options()
        options.segmentBytes = 3 * (16 + 40)
        let (wal, _, _) = try openLog(dir.path, options: options)
        try await wal.appendAll((1...12).map { payload($0) })
        try wal.deleteSegments(coveredThrough: 8)  // 1…3 and 4…6 go; 7…9 holds 9, so stays
        wal.close()
        #expect(dir.segments.first == "00000000000000000007.wal")
        // A snapshot at 3 (older than the deletion) cannot be completed from the log.
        #expect {
            _ = try WriteAheadLog.open(directory: dir.path, options: options, after: 3) { _, _ in }
        } throws: { error in
            "\(error)" == "the snapshot covers records up to 3, but the write-ahead log starts at record 7 "
                + "(\(dir.path)/00000000000000000007.wal): records 4...6 are missing; start with --repair to "
                + "recover from what is left (the missing records are lost)"
        }
        // Neither can a full replay (no snapshot usable).
        #expect {
            _ = try WriteAheadLog.open(directory: dir.path, options: options) { _, _ in }
        } throws: { error in
            "\(error)".hasPrefix("no usable snapshot, and the write-ahead log starts at record 7")
        }
        // --repair replays what is there.
        var repaired = options
        repaired.repair = true
        var lines: [String] = []
        var got: [UInt64] = []
        let (r, _) = try WriteAheadLog.open(directory: dir.path, options: repaired, after: 3, log: { lines.append($0) }) { lsn, _ in
            got.append(lsn)
        }
        r.close()
        #expect(got == Array(7...12))
        #expect(lines.contains { $0.contains("records 4...6 are missing") })
    }

    /// The snapshot holds more than the log (its tail was lost): numbering continues after the
    /// snapshot in a new segment, and the next recovery accepts the jump.
    @Test func logEndingBelowTheSnapshotContinuesAfterIt() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, _, _) = try openLog(dir.path)
        try await wal.appendAll((1...5).map { payload($0) })
        wal.close()
        var lines: [String] = []
        let (again, report) = try WriteAheadLog.open(directory: dir.path, after: 8, log: { lines.append($0) }) { _, _ in
            Issue.record("nothing above 8 to replay")
        }
        #expect(report.nextLSN == 9)
        #expect(lines.contains { $0.contains("continuing at 9") })
        #expect(try await again.append(payload(9)).get() == 9)
        again.close()
        #expect(dir.segments == ["00000000000000000001.wal", "00000000000000000009.wal"])
        var tail: [UInt64] = []
        let (third, _) = try WriteAheadLog.open(directory: dir.path, after: 8) { lsn, _ in tail.append(lsn) }
        third.close()
        #expect(tail == [9])
    }
}
