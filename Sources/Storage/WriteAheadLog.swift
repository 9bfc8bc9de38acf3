import Dispatch
import Synchronization

/// A segmented append-only log with group commit. `append` queues a record and returns at
/// once; one writer thread takes everything queued, writes it with one `pwrite`, calls
/// `fsync` once, and then completes the whole group in log order on a serial queue. While it
/// waits for the disk, new appends gather for the next group, so concurrent batches share
/// fsyncs. A record is reported durable only after its fsync returned.
///
/// On a failed write or fsync the group's bytes are cut off again (`ftruncate` to where the
/// group began) and every record of the group fails with the error; the next group tries
/// again, so the log works again once space returns.
public final class WriteAheadLog: Sendable {
    public struct Options: Sendable {
        /// A segment is closed once it holds this many bytes (a group is never split).
        public var segmentBytes = 64 << 20
        /// With damage in the middle of the log, truncate there instead of refusing to start.
        public var repair = false
        /// Told how long each fsync of a group took (for a latency histogram).
        public var onSync: (@Sendable (Duration) -> Void)?
        public init() {}
    }

    public typealias Completion = @Sendable (Result<UInt64, StorageError>) -> Void

    struct Pending {
        var payload: [UInt8]
        var payloadCRC: UInt32
        var completion: Completion
    }

    struct Queue {
        var pending: [Pending] = []
        var writerScheduled = false
        var closed = false
    }

    /// Touched only on `writerQueue`.
    final class Writer: @unchecked Sendable {
        var fd: Int32 = -1
        var path = ""
        var length = 0
        /// Set when cutting a failed group failed too: no write until the cut succeeds.
        var uncut = false
        var nextLSN: UInt64
        init(nextLSN: UInt64) { self.nextLSN = nextLSN }
    }

    public let directory: String
    public let options: Options
    let io: any FileIO
    private let queue = Mutex(Queue())
    private let writer: Writer
    private let writerQueue = DispatchQueue(label: "metricsd.wal.writer")
    private let completionQueue = DispatchQueue(label: "metricsd.wal.completions")
    private let syncs = Atomic<Int>(0)
    private let appended = Atomic<Int>(0)

    /// Opens (creating if needed) the log in `directory`, replays every intact record above
    /// `after` (the LSN a loaded snapshot covers; 0 = none) through `replay` in log order, cuts
    /// a torn tail, and is then ready for appends. Segments wholly covered by `after` may be
    /// gone already; the first remaining one must start at or below `after + 1`.
    public static func open(
        directory: String, options: Options = Options(), io: any FileIO = PosixFileIO(),
        after: UInt64 = 0, log: (String) -> Void = { _ in },
        replay: (_ lsn: UInt64, _ payload: UnsafeRawBufferPointer) throws -> Void
    ) throws -> (WriteAheadLog, RecoveryReport) {
        var recovery = WALRecovery(directory: directory, io: io, repair: options.repair)
        recovery.after = after
        var report = try recovery.run(log: log, replay)
        if report.nextLSN <= after {
            // The snapshot holds records the log no longer has (its tail was lost): continue
            // numbering after the snapshot, in a new segment.
            log("wal: the log ends at record \(report.nextLSN - 1), below the snapshot's \(after); continuing at \(after + 1)")
            report.nextLSN = after + 1
            report.lastSegment = nil
        }
        let wal = WriteAheadLog(directory: directory, options: options, io: io, nextLSN: report.nextLSN)
        if let last = report.lastSegment {
            wal.writer.path = directory + "/" + last.name
            wal.writer.fd = try io.openForWriting(wal.writer.path, create: false)
            wal.writer.length = last.length
        }
        return (wal, report)
    }

    private init(directory: String, options: Options, io: any FileIO, nextLSN: UInt64) {
        self.directory = directory
        self.options = options
        self.io = io
        self.writer = Writer(nextLSN: nextLSN)
    }

    deinit {
        if writer.fd >= 0 { io.close(writer.fd) }
    }

    /// fsync calls made on segment files so far (group commit makes this far fewer than appends).
    public var syncCount: Int { syncs.load(ordering: .relaxed) }
    /// Records made durable since `open`.
    public var appendedCount: Int { appended.load(ordering: .relaxed) }

    /// Queues `payload`; `completion` runs once it is durable (with its LSN) or failed. Calls
    /// made in some order are written, and completed, in that order.
    public func append(_ payload: [UInt8], completion: @escaping Completion) {
        let crc = CRC32C.checksum(payload)
        let schedule: Bool? = queue.withLock { q in
            guard !q.closed else { return nil }
            q.pending.append(Pending(payload: payload, payloadCRC: crc, completion: completion))
            if q.writerScheduled { return false }
            q.writerScheduled = true
            return true
        }
        switch schedule {
        case nil: completionQueue.async { completion(.failure(.closed)) }
        case true?: writerQueue.async { self.drain() }
        case false?: break
        }
    }

    /// Waits until everything appended so far is durable (or failed), then closes the file.
    public func close() {
        queue.withLock { $0.closed = true }
        writerQueue.sync {
            if writer.fd >= 0 { io.close(writer.fd) }
            writer.fd = -1
        }
        completionQueue.sync {}
    }

    /// Writer thread: one group per turn until nothing is left.
    private func drain() {
        while true {
            let group: [Pending] = queue.withLock { q in
                let g = q.pending
                q.pending = []
                if g.isEmpty { q.writerScheduled = false }
                return g
            }
            if group.isEmpty { return }
            let result = commit(group)
            completionQueue.async {
                switch result {
                case .success(let first):
                    for (i, p) in group.enumerated() { p.completion(.success(first + UInt64(i))) }
                case .failure(let error):
                    for p in group { p.completion(.failure(error)) }
                }
            }
        }
    }

    /// Writes and syncs one group; returns the first record's LSN.
    private func commit(_ group: [Pending]) -> Result<UInt64, StorageError> {
        let w = writer
        var bytes: [UInt8] = []
        bytes.reserveCapacity(group.reduce(0) { $0 + WALRecord.headerSize + $1.payload.count })
        var lsn = w.nextLSN
        for p in group {
            WALRecord.appendHeader(
                to: &bytes, length: p.payload.count, crc: WALRecord.crc(payloadCRC: p.payloadCRC, lsn: lsn), lsn: lsn)
            bytes.append(contentsOf: p.payload)
            lsn += 1
        }
        do throws(StorageError) {
            if w.uncut {
                try io.truncate(w.fd, to: w.length, path: w.path)
                w.uncut = false
            }
            if w.fd < 0 || (w.length > 0 && w.length + bytes.count > options.segmentBytes) {
                try startSegment(firstLSN: w.nextLSN)
            }
            let start = w.length
            do throws(StorageError) {
                let written = bytes.withUnsafeBytes { raw in
                    Result { () throws(StorageError) in try io.write(w.fd, raw, at: start, path: w.path) }
                }
                try written.get()
                syncs.add(1, ordering: .relaxed)
                let began = ContinuousClock.now
                try io.sync(w.fd, path: w.path)
                options.onSync?(ContinuousClock.now - began)
            } catch {
                // Cut the partial group so the next one starts on a record boundary; if even
                // that fails, the next group cuts first (records must not follow leftovers).
                do throws(StorageError) { try io.truncate(w.fd, to: start, path: w.path) } catch { w.uncut = true }
                throw error
            }
            w.length = start + bytes.count
            appended.add(group.count, ordering: .relaxed)
            let first = w.nextLSN
            w.nextLSN = lsn
            return .success(first)
        } catch {
            return .failure(error)
        }
    }

    /// Deletes the segments all of whose records are at or below `lsn` (a durable snapshot
    /// covers them). The segment being written is never among them: a segment counts as covered
    /// only when the next one starts at or below `lsn + 1`. Returns the names deleted.
    @discardableResult
    public func deleteSegments(coveredThrough lsn: UInt64) throws(StorageError) -> [String] {
        let segments = try io.listDirectory(directory)
            .compactMap { name in SegmentName.firstLSN(name).map { (name: name, first: $0) } }
            .sorted { $0.first < $1.first }
        var deleted: [String] = []
        for i in segments.indices.dropLast() where segments[i + 1].first <= lsn + 1 {
            try io.removeFile(directory + "/" + segments[i].name)
            deleted.append(segments[i].name)
        }
        if !deleted.isEmpty { try io.syncDirectory(directory) }
        return deleted
    }

    /// Closes the current segment (already synced) and creates the next, named by its first LSN.
    private func startSegment(firstLSN: UInt64) throws(StorageError) {
        let path = directory + "/" + SegmentName.name(firstLSN: firstLSN)
        let fd = try io.openForWriting(path, create: true)
        do throws(StorageError) {
            try io.truncate(fd, to: 0, path: path)  // a leftover empty-named file from a failed attempt
            try io.syncDirectory(directory)
        } catch {
            io.close(fd)
            throw error
        }
        if writer.fd >= 0 { io.close(writer.fd) }
        writer.fd = fd
        writer.path = path
        writer.length = 0
    }
}
