import Foundation
import Storage
import Testing

/// A full or failing disk: the error reaches the caller with path and errno, the partial
/// write is cut, and the log works again once the fault is gone.
struct WALFaultTests {
    @Test(arguments: [0, 10, 60, 100])
    func enospcIsSurfacedAndCutAndRecoversWhenSpaceReturns(partial: Int) async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let io = FaultyFileIO()
        let (wal, _, _) = try openLog(dir.path, io: io)
        try await wal.appendAll([payload(1)])
        io.set { $0.writeErrno = ENOSPC; $0.partial = partial }
        let failed = await wal.append(payload(2))
        guard case .failure(let error) = failed else { Issue.record("append succeeded on a full disk"); return }
        #expect(error.errno == ENOSPC)
        #expect(error.description.contains("No space left on device"))
        #expect(error.description.contains(dir.path))
        #expect(dir.bytes(dir.segments[0]).count == 56, "the partial record was cut")
        io.set { $0.writeErrno = nil }
        #expect(try await wal.append(payload(3)).get() == 2, "the failed record took no number")
        wal.close()
        let (_, report, replayed) = try openLog(dir.path)
        #expect(replayed == [payload(1), payload(3)] && report.truncatedBytes == 0)
    }

    @Test func fsyncErrorFailsTheWholeGroupAndIsCut() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let io = FaultyFileIO()
        let (wal, _, _) = try openLog(dir.path, io: io)
        io.set { $0.syncErrno = EIO }
        let results = await withTaskGroup(of: Result<UInt64, StorageError>.self) { group in
            for i in 0..<10 { group.addTask { await wal.append(payload(i)) } }
            var all: [Result<UInt64, StorageError>] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.allSatisfy { if case .failure(let e) = $0 { e.errno == EIO } else { false } })
        io.set { $0.syncErrno = nil }
        #expect(try await wal.append(payload(99)).get() == 1)
        wal.close()
        let (_, _, replayed) = try openLog(dir.path)
        #expect(replayed == [payload(99)])
    }

    /// If even the cut fails, nothing is appended after the leftovers until a cut succeeds.
    @Test func failedCutIsRetriedBeforeTheNextWrite() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let io = FaultyFileIO()
        let (wal, _, _) = try openLog(dir.path, io: io)
        try await wal.appendAll([payload(1)])
        io.set { $0.writeErrno = ENOSPC; $0.partial = 30; $0.truncateErrno = EIO }
        #expect(await wal.append(payload(2)).isFailure)
        io.set { $0.writeErrno = nil }
        #expect(await wal.append(payload(3)).isFailure, "cut still failing")
        io.set { $0.truncateErrno = nil }
        #expect(try await wal.append(payload(4)).get() == 2)
        wal.close()
        let (_, _, replayed) = try openLog(dir.path)
        #expect(replayed == [payload(1), payload(4)])
    }

    /// A real full file system, when this process may mount one (root); skipped otherwise.
    @Test func realTmpfsFullThenFreed() async throws {
        let mount = TempDir()
        defer { _ = shell("umount \(mount.path)"); mount.cleanUp() }
        guard shell("mount -t tmpfs -o size=1m tmpfs \(mount.path) 2>/dev/null") == 0 else { return }
        let (wal, _, _) = try openLog(mount.path + "/wal")
        let big = [UInt8](repeating: 7, count: 100_000)
        var ok = 0
        var failure: StorageError?
        for _ in 0..<20 {
            switch await wal.append(big) {
            case .success: ok += 1
            case .failure(let e): failure = e
            }
            if failure != nil { break }
        }
        #expect(failure?.errno == ENOSPC)
        #expect(ok > 0)
        // Space returns: the file system grows.
        #expect(shell("mount -o remount,size=4m \(mount.path)") == 0)
        #expect(await !wal.append(big).isFailure)
        wal.close()
        let (again, report, _) = try openLog(mount.path + "/wal")
        again.close()  // else the umount finds the mount busy
        #expect(report.records == ok + 1 && report.truncatedBytes == 0)
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}

func shell(_ command: String) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    do { try p.run() } catch { return -1 }
    p.waitUntilExit()
    return p.terminationStatus
}
