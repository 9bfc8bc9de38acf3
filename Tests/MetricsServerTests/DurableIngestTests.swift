import Foundation
import MetricsAPI
import MetricsCore
import MetricsServer
import RateLimiting
import Storage
import Synchronization
import Testing

/// The service's ingest order over a real log in a temp dir, with fsyncs held back or failed
/// on demand: no reply precedes its fsync, not even a duplicate's.
struct DurableIngestTests {
    /// Real files; `sync` waits for the test to let it go, and fails once when told to.
    final class GatedIO: FileIO {
        let inner = PosixFileIO()
        let gate = DispatchSemaphore(value: 0)
        let failNext = Mutex(false)
        func makeDirectory(_ p: String) throws(StorageError) { try inner.makeDirectory(p) }
        func listDirectory(_ p: String) throws(StorageError) -> [String] { try inner.listDirectory(p) }
        func readFile(_ p: String) throws(StorageError) -> [UInt8] { try inner.readFile(p) }
        func openForWriting(_ p: String, create: Bool) throws(StorageError) -> Int32 { try inner.openForWriting(p, create: create) }
        func write(_ fd: Int32, _ b: UnsafeRawBufferPointer, at o: Int, path: String) throws(StorageError) {
            try inner.write(fd, b, at: o, path: path)
        }
        func sync(_ fd: Int32, path: String) throws(StorageError) {
            gate.wait()
            if failNext.withLock({ f in defer { f = false }; return f }) {
                throw .system(operation: "fsync", path: path, errno: EIO)
            }
            try inner.sync(fd, path: path)
        }
        func truncate(_ fd: Int32, to s: Int, path: String) throws(StorageError) { try inner.truncate(fd, to: s, path: path) }
        func truncateFile(_ p: String, to s: Int) throws(StorageError) { try inner.truncateFile(p, to: s) }
        func rename(_ a: String, _ b: String) throws(StorageError) { try inner.rename(a, b) }
        func syncDirectory(_ p: String) throws(StorageError) { try inner.syncDirectory(p) }
        func close(_ fd: Int32) { inner.close(fd) }
    }

    final class Replies: Sendable {
        let got = Mutex<[String: Result<PublishEventsResponse, ServiceFailure>]>([:])
        func callback(_ name: String) -> @Sendable (Result<PublishEventsResponse, ServiceFailure>) -> Void {
            { r in self.got.withLock { $0[name] = r } }
        }
        subscript(_ name: String) -> Result<PublishEventsResponse, ServiceFailure>? { got.withLock { $0[name] } }
        func wait(for names: [String]) async {
            while got.withLock({ g in names.contains { g[$0] == nil } }) { try? await Task.sleep(nanoseconds: 2_000_000) }
        }
    }

    func service() -> MetricsService {
        MetricsService(authenticator: Authenticator(tokens: nil, defaultLimits: .default, noAuth: true),
                       clock: { 1_700_000_000_000 })
    }

    func request(_ seq: Int64) -> PublishEventsRequest {
        var r = PublishEventsRequest()
        r.accountId = "a"
        r.producerId = "p"
        r.sequence = seq
        var e = EventMessage()
        e.type = "conversation_opened"
        e.time = 1_700_000_000_000
        e.conversationId = "c\(seq)"
        e.skillId = "s"
        r.events = [e]
        return r
    }

    func temp() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)").path
    }

    @Test func duplicateOfAPendingBatchWaitsForItsFsync() async throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let io = GatedIO()
        let svc = service()
        _ = try svc.openLog(directory: dir, io: io) { _ in }
        let replies = Replies()
        svc.publishEvents(request(1), authorization: nil, peer: "t", completion: replies.callback("first"))
        svc.publishEvents(request(1), authorization: nil, peer: "t", completion: replies.callback("again"))
        try await Task.sleep(nanoseconds: 50_000_000)
        #expect(replies["first"] == nil && replies["again"] == nil, "nothing is acknowledged before the fsync")
        io.gate.signal()
        await replies.wait(for: ["first", "again"])
        #expect(try replies["first"]!.get().applied == 1)
        #expect(try replies["again"]!.get().duplicate)
        io.gate.signal()  // a later sync, if any, must not block close
        svc.closeLog()
    }

    @Test func failedWriteLeavesTheSequenceFreeAndAWaitingRetryBecomesTheBatch() async throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let io = GatedIO()
        let svc = service()
        _ = try svc.openLog(directory: dir, io: io) { _ in }
        let replies = Replies()
        io.failNext.withLock { $0 = true }
        svc.publishEvents(request(1), authorization: nil, peer: "t", completion: replies.callback("first"))
        svc.publishEvents(request(1), authorization: nil, peer: "t", completion: replies.callback("retry"))
        io.gate.signal()  // the first fsync fails
        await replies.wait(for: ["first"])
        guard case .failure(let failure)? = replies["first"] else { Issue.record("first did not fail"); return }
        #expect(failure.error.code == .unavailable)
        #expect(failure.error.message.contains(dir) && failure.error.message.contains("errno 5"))
        io.gate.signal()  // the waiting retry is logged anew and made durable
        await replies.wait(for: ["retry"])
        let retry = try replies["retry"]!.get()
        #expect(retry.applied == 1 && !retry.duplicate)
        svc.closeLog()
        // The log holds the batch once.
        let again = service()
        let report = try again.openLog(directory: dir) { _ in }
        #expect(report.records == 1)
        again.closeLog()
    }

    @Test func batchesForTheSimulatedDemoAccountAreAppliedButNotLogged() async throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let svc = service()
        _ = try svc.openLog(directory: dir) { _ in }
        _ = svc.applyLocal([Event](), account: "a")  // "a" is now fed like --demo's account
        let replies = Replies()
        svc.publishEvents(request(1), authorization: nil, peer: "t", completion: replies.callback("first"))
        svc.publishEvents(request(1), authorization: nil, peer: "t", completion: replies.callback("again"))
        await replies.wait(for: ["first", "again"])
        #expect(try replies["first"]!.get().applied == 1)
        #expect(try replies["again"]!.get().duplicate, "the producer's sequence still counts, in memory")
        svc.closeLog()
        let again = service()
        let report = try again.openLog(directory: dir) { _ in }
        #expect(report.records == 0, "nothing for a re-simulated account reaches the log")
        again.closeLog()
    }
}
