#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system calls the log makes. One implementation does them (`PosixFileIO`);
/// tests wrap it to inject failures such as ENOSPC between the log and the disk.
public protocol FileIO: Sendable {
    func makeDirectory(_ path: String) throws(StorageError)
    func listDirectory(_ path: String) throws(StorageError) -> [String]
    func readFile(_ path: String) throws(StorageError) -> [UInt8]
    /// Opens for appending by offset (`pwrite`), creating the file if asked.
    func openForWriting(_ path: String, create: Bool) throws(StorageError) -> Int32
    /// Writes all of `bytes` at `offset`; a failure may leave a prefix written.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StorageError)
    func sync(_ fd: Int32, path: String) throws(StorageError)
    func truncate(_ fd: Int32, to size: Int, path: String) throws(StorageError)
    func truncateFile(_ path: String, to size: Int) throws(StorageError)
    func rename(_ from: String, _ to: String) throws(StorageError)
    /// fsync of a directory, so a created or renamed entry survives a crash.
    func syncDirectory(_ path: String) throws(StorageError)
    func close(_ fd: Int32)
    /// Deletes a file (snapshots and segments once a newer snapshot covers them).
    func removeFile(_ path: String) throws(StorageError)
}

extension FileIO {
    /// Layers that inject no fault on deletion (test wrappers) delete for real.
    public func removeFile(_ path: String) throws(StorageError) {
        guard unlink(path) == 0 else { throw .system(operation: "unlink", path: path, errno: errno) }
    }

    /// A whole file mapped read-only (snapshots: no zero-fill and copy of a gigabyte, and the
    /// pages stay the page cache's instead of anonymous memory).
    public func mapFile(_ path: String) throws(StorageError) -> MappedFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system(operation: "fstat", path: path, errno: errno) }
        let size = Int(st.st_size)
        if size == 0 { return MappedFile(base: nil, count: 0) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw .system(operation: "mmap", path: path, errno: errno)
        }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        return MappedFile(base: UnsafeRawPointer(p), count: size)
    }
}

/// A read-only mapping, unmapped when the last reference goes.
public final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer?
    public let count: Int

    init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

public struct PosixFileIO: FileIO {
    public init() {}

    public func makeDirectory(_ path: String) throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw .system(operation: "mkdir", path: prefix, errno: errno) }
            prefix += "/"
        }
    }

    public func listDirectory(_ path: String) throws(StorageError) -> [String] {
        guard let dir = opendir(path) else { throw .system(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func readFile(_ path: String) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system(operation: "fstat", path: path, errno: errno) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }

    public func openForWriting(_ path: String, create: Bool) throws(StorageError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
        return fd
    }

    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "write", path: path, errno: errno)
            }
            done += n
        }
    }

    public func sync(_ fd: Int32, path: String) throws(StorageError) {
        // fdatasync would do for appends, but the size changes with every write: fsync is the same cost.
        guard fsync(fd) == 0 else { throw .system(operation: "fsync", path: path, errno: errno) }
    }

    public func truncate(_ fd: Int32, to size: Int, path: String) throws(StorageError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw .system(operation: "ftruncate", path: path, errno: errno) }
    }

    public func truncateFile(_ path: String, to size: Int) throws(StorageError) {
        let fd = try openForWriting(path, create: false)
        defer { close(fd) }
        try truncate(fd, to: size, path: path)
        try sync(fd, path: path)
    }

    public func rename(_ from: String, _ to: String) throws(StorageError) {
        guard Glibc.rename(from, to) == 0 else { throw .system(operation: "rename", path: from, errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw .system(operation: "fsync", path: path, errno: errno) }
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
}
