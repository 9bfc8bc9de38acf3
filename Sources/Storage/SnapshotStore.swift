/// Snapshot files next to the log: `DIR/<LSN, 20 digits>.snapshot`, each the state after
/// applying every record up to and including that LSN. The bytes are opaque here (the server
/// encodes the core's state); this layer frames them and proves them intact:
///
///     0   8 bytes  magic "MSNAPSHT"
///     8   u32 LE   file format version (1)
///     12  u32 LE   reserved (0)
///     16  u64 LE   LSN covered
///     24  u64 LE   payload length n
///     32  payload (n bytes)
///     32+n u32 LE  CRC-32C of bytes [0, 32+n)
///
/// Written to `<name>.tmp`, fsynced, renamed into place, directory fsynced: a crash leaves
/// either no file or a whole one (a leftover `.tmp` is deleted at the next start).
public struct SnapshotStore: Sendable {
    public static let suffix = ".snapshot"
    static let magic: [UInt8] = Array("MSNAPSHT".utf8)
    static let version: UInt32 = 1
    static let headerSize = 32

    public let directory: String
    let io: any FileIO

    public init(directory: String, io: any FileIO = PosixFileIO()) {
        self.directory = directory
        self.io = io
    }

    public static func name(lsn: UInt64) -> String {
        let digits = String(lsn)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    static func lsn(ofName name: String) -> UInt64? {
        guard name.hasSuffix(suffix), name.count == 20 + suffix.count else { return nil }
        return UInt64(name.dropLast(suffix.count))
    }

    public func path(lsn: UInt64) -> String { directory + "/" + Self.name(lsn: lsn) }

    /// LSNs of the snapshot files present, ascending.
    public func list() throws(StorageError) -> [UInt64] {
        try io.listDirectory(directory).compactMap(Self.lsn(ofName:)).sorted()
    }

    /// Deletes leftovers of snapshot writes a crash interrupted; returns their names.
    @discardableResult
    public func removeTemporaries() throws(StorageError) -> [String] {
        let names = try io.listDirectory(directory).filter { $0.hasSuffix(Self.suffix + ".tmp") }
        for name in names { try io.removeFile(directory + "/" + name) }
        return names
    }

    /// Writes the snapshot covering `lsn` (its payload is the concatenation of `chunks`) and
    /// makes it durable. Returns the file's size.
    @discardableResult
    public func write(lsn: UInt64, chunks: [[UInt8]]) throws(StorageError) -> Int {
        let payloadLength = chunks.reduce(0) { $0 + $1.count }
        var header = Self.magic
        withUnsafeBytes(of: Self.version.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(0)) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: lsn.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(payloadLength).littleEndian) { header.append(contentsOf: $0) }
        var crc = CRC32C.checksum(header)
        for c in chunks { crc = CRC32C.checksum(c, continuing: crc) }
        var trailer: [UInt8] = []
        withUnsafeBytes(of: crc.littleEndian) { trailer.append(contentsOf: $0) }

        let final = path(lsn: lsn)
        let temp = final + ".tmp"
        let fd = try io.openForWriting(temp, create: true)
        do throws(StorageError) {
            try io.truncate(fd, to: 0, path: temp)
            var offset = 0
            for part in [header] + chunks + [trailer] {
                let written = part.withUnsafeBytes { raw in
                    Result { () throws(StorageError) in try io.write(fd, raw, at: offset, path: temp) }
                }
                try written.get()
                offset += part.count
            }
            try io.sync(fd, path: temp)
        } catch {
            io.close(fd)
            try? io.removeFile(temp)
            throw error
        }
        io.close(fd)
        try io.rename(temp, final)
        try io.syncDirectory(directory)
        return Self.headerSize + payloadLength + 4
    }

    /// The snapshot covering `lsn`, after checking its frame and CRC.
    public func read(lsn: UInt64) throws(StorageError) -> LoadedSnapshot {
        let p = path(lsn: lsn)
        let file = try io.mapFile(p)
        try Self.check(file.bytes, lsn: lsn, path: p)
        return LoadedSnapshot(lsn: lsn, path: p, file: file)
    }

    /// Checks the frame of a whole snapshot file's bytes.
    static func check(_ raw: UnsafeRawBufferPointer, lsn: UInt64, path: String) throws(StorageError) {
        func bad(_ reason: String) -> StorageError { .badSnapshot(path: path, reason: reason) }
        guard raw.count >= headerSize + 4 else {
            throw bad("\(raw.count) bytes, shorter than the \(headerSize + 4)-byte frame")
        }
        let bytes = raw
        let problem: StorageError? = {
            guard Array(raw[0..<8]) == magic else { return bad("not a snapshot file (bad magic)") }
            let version = raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
            guard version == Self.version else { return bad("file format version \(version), this build reads \(Self.version)") }
            let covered = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian
            guard covered == lsn else { return bad("covers record \(covered), but its name says \(lsn)") }
            let length = raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian
            guard length == UInt64(bytes.count - headerSize - 4) else {
                return bad("payload length \(length), but the file holds \(bytes.count - headerSize - 4) (truncated?)")
            }
            let stored = raw.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self).littleEndian
            let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(bytes.count - 4)]))
            guard stored == actual else {
                return bad("CRC mismatch (stored \(WALRecord.hex(stored)), computed \(WALRecord.hex(actual)))")
            }
            return nil
        }()
        if let problem { throw problem }
    }

    /// Deletes all but the newest `keep` snapshots; returns the LSNs deleted.
    @discardableResult
    public func prune(keep: Int) throws(StorageError) -> [UInt64] {
        let all = try list()
        let doomed = Array(all.dropLast(keep))
        for lsn in doomed { try io.removeFile(path(lsn: lsn)) }
        if !doomed.isEmpty { try io.syncDirectory(directory) }
        return doomed
    }
}

/// A snapshot file read whole and checked; the payload is used in place (no second copy of
/// what may be a gigabyte).
public struct LoadedSnapshot: Sendable {
    public let lsn: UInt64
    public let path: String
    let file: MappedFile

    public var payloadCount: Int { file.count - SnapshotStore.headerSize - 4 }

    public func withPayload<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(file) {
            try body(UnsafeRawBufferPointer(rebasing: file.bytes[SnapshotStore.headerSize..<(file.count - 4)]))
        }
    }
}
