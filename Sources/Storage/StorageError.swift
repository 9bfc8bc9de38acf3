#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the log reports: a failed system call (with the path and errno, so "no space left" is
/// said as such), or a record that is damaged where it cannot be a torn tail.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `operation` failed on `path` with `errno`.
    case system(operation: String, path: String, errno: Int32)
    /// A damaged record followed by valid data: not a crash artefact; start-up stops.
    case corrupt(path: String, offset: Int, reason: String)
    /// The log was closed; nothing more is appended.
    case closed
    /// A snapshot file that cannot be used (short, bad magic or version, CRC mismatch).
    case badSnapshot(path: String, reason: String)
    /// Records the recovery needs are not in the log (segments deleted or lost).
    case missingRecords(String)

    public var description: String {
        switch self {
        case .system(let op, let path, let e):
            "\(op) \(path): \(String(cString: strerror(e))) (errno \(e))"
        case .corrupt(let path, let offset, let reason):
            "write-ahead log damaged in \(path) at offset \(offset): \(reason); "
                + "start with --repair to truncate the log there (records from that point on are lost)"
        case .closed:
            "the write-ahead log is closed"
        case .badSnapshot(let path, let reason):
            "snapshot \(path) is unusable: \(reason)"
        case .missingRecords(let what):
            what
        }
    }

    public var errno: Int32? {
        if case .system(_, _, let e) = self { return e }
        return nil
    }
}
