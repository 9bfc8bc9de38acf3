import Foundation
import Storage
import Synchronization

/// A fresh directory under the system temp dir, removed by `cleanUp()`.
struct TempDir {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("storage-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }

    var segments: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".wal") }.sorted()
    }

    func bytes(_ name: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path + "/" + name)!) }

    func write(_ name: String, _ bytes: [UInt8]) {
        FileManager.default.createFile(atPath: path + "/" + name, contents: Data(bytes))
    }
}

/// Real files underneath; writes and fsyncs fail on demand, the way a full or failing disk does.
final class FaultyFileIO: FileIO {
    struct Faults {
        /// errno for the next writes; `partial` bytes of each are written first.
        var writeErrno: Int32?
        var partial = 0
        var syncErrno: Int32?
        var truncateErrno: Int32?
        /// Makes each fsync take this long, so concurrent appends pile up behind it.
        var syncDelayMicros: UInt32 = 0
        var syncs = 0
    }

    let inner = PosixFileIO()
    let faults = Mutex(Faults())

    func set(_ body: (inout Faults) -> Void) { faults.withLock { body(&$0) } }
    var syncs: Int { faults.withLock { $0.syncs } }

    func makeDirectory(_ path: String) throws(StorageError) { try inner.makeDirectory(path) }
    func listDirectory(_ path: String) throws(StorageError) -> [String] { try inner.listDirectory(path) }
    func readFile(_ path: String) throws(StorageError) -> [UInt8] { try inner.readFile(path) }
    func openForWriting(_ path: String, create: Bool) throws(StorageError) -> Int32 {
        try inner.openForWriting(path, create: create)
    }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StorageError) {
        let (e, partial) = faults.withLock { ($0.writeErrno, $0.partial) }
        if let e {
            let n = min(partial, bytes.count)
            if n > 0 { try inner.write(fd, UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset, path: path) }
            throw .system(operation: "write", path: path, errno: e)
        }
        try inner.write(fd, bytes, at: offset, path: path)
    }
    func sync(_ fd: Int32, path: String) throws(StorageError) {
        let (e, delay) = faults.withLock { f in
            f.syncs += 1
            return (f.syncErrno, f.syncDelayMicros)
        }
        if delay > 0 { usleep(delay) }
        if let e { throw .system(operation: "fsync", path: path, errno: e) }
        try inner.sync(fd, path: path)
    }
    func truncate(_ fd: Int32, to size: Int, path: String) throws(StorageError) {
        if let e = faults.withLock({ $0.truncateErrno }) { throw .system(operation: "ftruncate", path: path, errno: e) }
        try inner.truncate(fd, to: size, path: path)
    }
    func truncateFile(_ path: String, to size: Int) throws(StorageError) { try inner.truncateFile(path, to: size) }
    func rename(_ from: String, _ to: String) throws(StorageError) { try inner.rename(from, to) }
    func syncDirectory(_ path: String) throws(StorageError) { try inner.syncDirectory(path) }
    func close(_ fd: Int32) { inner.close(fd) }
}

/// Opens the log in `dir` and returns it with every replayed payload.
func openLog(_ dir: String, options: WriteAheadLog.Options = .init(), io: any FileIO = PosixFileIO(),
             log: (String) -> Void = { _ in }) throws -> (WriteAheadLog, RecoveryReport, [[UInt8]]) {
    var replayed: [[UInt8]] = []
    var lsns: [UInt64] = []
    let (wal, report) = try WriteAheadLog.open(directory: dir, options: options, io: io, log: log) { lsn, payload in
        replayed.append(Array(payload))
        lsns.append(lsn)
    }
    precondition(lsns == Array(stride(from: report.nextLSN - UInt64(lsns.count), to: report.nextLSN, by: 1)))
    return (wal, report, replayed)
}

extension WriteAheadLog {
    func append(_ payload: [UInt8]) async -> Result<UInt64, StorageError> {
        await withCheckedContinuation { c in append(payload) { c.resume(returning: $0) } }
    }

    /// Appends each payload after the previous one is durable.
    func appendAll(_ payloads: [[UInt8]]) async throws {
        for p in payloads { _ = try await append(p).get() }
    }
}

func payload(_ i: Int, size: Int = 40) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) } }
