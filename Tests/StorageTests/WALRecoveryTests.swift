import Foundation
import Storage
import Testing

struct WALRecoveryTests {
    @Test func recordsSurviveCloseAndReopenInOrder() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, report, replayed) = try openLog(dir.path)
        #expect(report.records == 0 && replayed.isEmpty && report.nextLSN == 1)
        let payloads = (0..<20).map { payload($0, size: $0 * 7) }
        try await wal.appendAll(payloads)
        wal.close()
        let (again, report2, replayed2) = try openLog(dir.path)
        #expect(replayed2 == payloads)
        #expect(report2.nextLSN == 21)
        #expect(try await again.append([1, 2, 3]).get() == 21)
        again.close()
    }

    /// Three records, the file cut at every byte inside the third: the first two come back, the
    /// tail is truncated, and appending continues right after the second.
    @Test func tornTailAtEveryByteOfTheLastRecordIsTruncated() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, _, _) = try openLog(dir.path)
        let payloads = [payload(1), payload(2), payload(3)]
        try await wal.appendAll(payloads)
        wal.close()
        let name = dir.segments[0]
        let whole = dir.bytes(name)
        let lastStart = whole.count - 16 - 40
        for cut in lastStart..<whole.count {
            dir.write(name, Array(whole[0..<cut]))
            var lines: [String] = []
            let (log, report, replayed) = try openLog(dir.path) { lines.append($0) }
            #expect(replayed == Array(payloads[0..<2]), "cut at \(cut)")
            #expect(report.truncatedBytes == cut - lastStart)
            #expect(dir.bytes(name).count == lastStart)
            #expect(lines.contains { $0.contains("torn tail") } == (cut > lastStart))
            #expect(try await log.append(payloads[2]).get() == 3)
            log.close()
            let (_, _, all) = try openLog(dir.path)
            #expect(all == payloads)
        }
    }

    /// A flipped bit in a record that has valid records after it is damage, not a crash: start-up
    /// stops and says which file and offset.
    @Test(arguments: [0, 3, 5, 9, 16, 30, 55])
    func bitFlipInTheMiddleNamesFileAndOffset(byte: Int) async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, _, _) = try openLog(dir.path)
        try await wal.appendAll([payload(1), payload(2), payload(3)])
        wal.close()
        let name = dir.segments[0]
        var bytes = dir.bytes(name)
        let second = 16 + 40
        bytes[second + byte] ^= 0x10
        dir.write(name, bytes)
        let error = #expect(throws: StorageError.self) { try openLog(dir.path) }
        guard case .corrupt(let path, let offset, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == dir.path + "/" + name)
        #expect(offset == second)
        #expect(error!.description.contains("offset \(second)"))
        #expect(error!.description.contains(name))
        #expect(dir.bytes(name) == bytes, "nothing is cut without --repair")
    }

    @Test func repairTruncatesAtTheDamage() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, _, _) = try openLog(dir.path)
        try await wal.appendAll([payload(1), payload(2), payload(3)])
        wal.close()
        let name = dir.segments[0]
        var bytes = dir.bytes(name)
        bytes[56 + 20] ^= 1
        dir.write(name, bytes)
        var options = WriteAheadLog.Options()
        options.repair = true
        let (log, report, replayed) = try openLog(dir.path, options: options)
        #expect(replayed == [payload(1)])
        #expect(report.nextLSN == 2)
        #expect(dir.bytes(name).count == 56)
        log.close()
    }

    /// A bit flip in the very last record cannot be told from a torn write: it is cut.
    @Test func bitFlipInTheLastRecordIsATornTail() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, _, _) = try openLog(dir.path)
        try await wal.appendAll([payload(1), payload(2)])
        wal.close()
        let name = dir.segments[0]
        var bytes = dir.bytes(name)
        bytes[bytes.count - 1] ^= 0x80
        dir.write(name, bytes)
        let (log, report, replayed) = try openLog(dir.path)
        #expect(replayed == [payload(1)])
        #expect(report.truncatedBytes == 56)
        log.close()
    }

    @Test func emptySegmentsAndEmptyDirectoriesAreFine() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let fresh = dir.path + "/not/yet/there"
        let (wal, report, _) = try openLog(fresh)
        #expect(report.segments == 0)
        try await wal.appendAll([payload(1)])
        wal.close()
        // A crash right after creating the next segment leaves it empty.
        let segDir = TempDir(existing: fresh)
        segDir.write("00000000000000000002.wal", [])
        let (again, report2, replayed) = try openLog(fresh)
        #expect(replayed == [payload(1)] && report2.segments == 2 && report2.nextLSN == 2)
        try await again.appendAll([payload(2)])
        again.close()
        #expect(segDir.bytes("00000000000000000002.wal").count == 56)
        let (_, _, all) = try openLog(fresh)
        #expect(all == [payload(1), payload(2)])
    }

    @Test func segmentsRollOverAndAreNamedByTheirFirstRecord() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        var options = WriteAheadLog.Options()
        options.segmentBytes = 150  // two 56-byte records per segment
        let (wal, _, _) = try openLog(dir.path, options: options)
        let payloads = (1...7).map { payload($0) }
        try await wal.appendAll(payloads)
        wal.close()
        #expect(dir.segments == ["00000000000000000001.wal", "00000000000000000003.wal",
                                 "00000000000000000005.wal", "00000000000000000007.wal"])
        let (again, report, replayed) = try openLog(dir.path, options: options)
        #expect(replayed == payloads && report.segments == 4)
        again.close()
    }

    @Test func damageInAnEarlierSegmentStopsStartUp() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        var options = WriteAheadLog.Options()
        options.segmentBytes = 150
        let (wal, _, _) = try openLog(dir.path, options: options)
        try await wal.appendAll((1...5).map { payload($0) })
        wal.close()
        let first = dir.segments[0]
        var bytes = dir.bytes(first)
        bytes[bytes.count - 1] ^= 1  // the last record of a segment that is not the last
        dir.write(first, bytes)
        let error = #expect(throws: StorageError.self) { try openLog(dir.path, options: options) }
        #expect(error == .corrupt(path: dir.path + "/" + first, offset: 56, reason: error.map { e in
            if case .corrupt(_, _, let r) = e { return r } else { return "" } } ?? ""))
        options.repair = true
        let (log, report, replayed) = try openLog(dir.path, options: options)
        #expect(replayed == [payload(1)])
        #expect(report.discardedSegments.count == 2)
        #expect(dir.segments == [first])
        log.close()
    }
}

extension TempDir {
    init(existing path: String) { self.path = path }
}
