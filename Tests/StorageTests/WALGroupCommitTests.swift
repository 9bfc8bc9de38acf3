import Storage
import Synchronization
import Testing

struct WALGroupCommitTests {
    /// 200 appends in flight at once all become durable, in order, with far fewer fsyncs.
    @Test func concurrentAppendsShareFsyncs() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let io = FaultyFileIO()
        io.set { $0.syncDelayMicros = 2_000 }
        let (wal, _, _) = try openLog(dir.path, io: io)
        let n = 200
        let lsns = await withTaskGroup(of: UInt64.self) { group in
            for i in 0..<n { group.addTask { try! await wal.append(payload(i)).get() } }
            var all: [UInt64] = []
            for await l in group { all.append(l) }
            return all
        }
        #expect(Set(lsns) == Set(1...UInt64(n)))
        #expect(wal.syncCount < n)
        #expect(io.syncs < n / 4, "\(io.syncs) fsyncs for \(n) appends")
        wal.close()
        let (_, report, _) = try openLog(dir.path)
        #expect(report.records == n)
    }

    /// Completions arrive in log order, and never before the group's fsync returned.
    @Test func completionsFollowTheFsyncInLogOrder() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let io = FaultyFileIO()
        io.set { $0.syncDelayMicros = 1_000 }
        let (wal, _, _) = try openLog(dir.path, io: io)
        let seen = Mutex<[(lsn: UInt64, syncsAtCompletion: Int)]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let left = Atomic(50)
            for i in 0..<50 {
                wal.append(payload(i)) { result in
                    seen.withLock { $0.append((try! result.get(), io.syncs)) }
                    if left.subtract(1, ordering: .relaxed).newValue == 0 { done.resume() }
                }
            }
        }
        let order = seen.withLock { $0 }
        #expect(order.map(\.lsn) == Array(1...50))
        #expect(order.allSatisfy { $0.syncsAtCompletion >= 1 })
        wal.close()
    }

    @Test func appendAfterCloseFails() async throws {
        let dir = TempDir()
        defer { dir.cleanUp() }
        let (wal, _, _) = try openLog(dir.path)
        wal.close()
        #expect(await wal.append([1]) == .failure(.closed))
    }
}
