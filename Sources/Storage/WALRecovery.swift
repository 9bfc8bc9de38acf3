/// What recovery found and did, for the start-up log line.
public struct RecoveryReport: Sendable, Equatable {
    public var segments = 0
    public var records = 0
    /// The LSN the next appended record gets.
    public var nextLSN: UInt64 = 1
    /// Bytes cut from the tail (a torn last record) or, with `repair`, from the damage on.
    public var truncatedBytes = 0
    /// Segments set aside (renamed `*.discarded`) by `repair`.
    public var discardedSegments: [String] = []
    /// Segments not read because a snapshot covers all their records.
    public var coveredSegments = 0
    /// Records read but not replayed because the snapshot covers them.
    public var coveredRecords = 0
    /// Where the writer continues: the last segment and its valid length.
    var lastSegment: (name: String, firstLSN: UInt64, length: Int)?

    public static func == (a: Self, b: Self) -> Bool {
        a.segments == b.segments && a.records == b.records && a.nextLSN == b.nextLSN
            && a.truncatedBytes == b.truncatedBytes && a.discardedSegments == b.discardedSegments
    }
}

/// Reads every segment in order, checks each record, hands the payloads to `replay`, and
/// cuts a torn tail. Damage that is not at the tail stops here unless `repair` is set.
///
/// With a snapshot covering records up to `after`, segments whose records all lie at or below
/// it are not read, records at or below it are checked but not replayed, and the first
/// remaining segment must start at or below `after + 1` (else records are missing).
struct WALRecovery {
    let directory: String
    let io: any FileIO
    let repair: Bool
    var after: UInt64 = 0

    func run(log: (String) -> Void, _ replay: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws -> RecoveryReport {
        try io.makeDirectory(directory)
        let segments = try io.listDirectory(directory)
            .compactMap { name in SegmentName.firstLSN(name).map { (name: name, first: $0) } }
            .sorted { $0.first < $1.first }
        var report = RecoveryReport()
        report.segments = segments.count
        var expected = segments.first?.first ?? 1
        if let first = segments.first, first.first > after + 1 {
            let missing = StorageError.missingRecords(
                (after == 0
                    ? "no usable snapshot, and the write-ahead log starts at record \(first.first) "
                        + "(\(directory)/\(first.name)): records 1...\(first.first - 1) were deleted once a snapshot covered them"
                    : "the snapshot covers records up to \(after), but the write-ahead log starts at record "
                        + "\(first.first) (\(directory)/\(first.name)): records \(after + 1)...\(first.first - 1) are missing")
                    + "; start with --repair to recover from what is left (the missing records are lost)")
            guard repair else { throw missing }
            log("wal: repair: \(missing)")
        }
        for (index, segment) in segments.enumerated() {
            let path = directory + "/" + segment.name
            let isLast = index == segments.count - 1
            if !isLast && segments[index + 1].first <= after + 1 && segment.first == expected {
                report.coveredSegments += 1
                expected = segments[index + 1].first
                continue
            }
            if segment.first != expected {
                let damage = StorageError.corrupt(
                    path: path, offset: 0, reason: "segment starts at record \(segment.first), expected \(expected)")
                guard repair else { throw damage }
                try discard(segments[index...].map(\.name), report: &report, because: damage, log: log)
                break
            }
            let bytes = try io.readFile(path)
            var offset = 0
            var stop = false
            try bytes.withUnsafeBytes { raw in
                while offset < raw.count {
                    switch WALRecord.parse(raw, at: offset, expected: expected) {
                    case .record(let lsn, let payload):
                        if lsn > after {
                            try replay(lsn, UnsafeRawBufferPointer(rebasing: raw[payload]))
                            report.records += 1
                        } else {
                            report.coveredRecords += 1
                        }
                        expected = lsn + 1
                        offset = payload.upperBound
                    case .invalid(let reason):
                        let torn = isLast && !WALRecord.validRecordFollows(raw, after: offset)
                        if !torn {
                            let damage = StorageError.corrupt(path: path, offset: offset, reason: reason)
                            guard repair else { throw damage }
                            log("wal: repair: \(damage)")
                        } else {
                            log("wal: torn tail in \(path) at offset \(offset) (\(reason)); "
                                + "truncating \(raw.count - offset) bytes")
                        }
                        stop = true
                        return
                    }
                }
            }
            if offset < bytes.count {
                try io.truncateFile(path, to: offset)
                report.truncatedBytes += bytes.count - offset
            }
            report.lastSegment = (segment.name, segment.first, offset)
            if stop && !isLast {
                let later = segments[(index + 1)...].map(\.name)
                try discard(later, report: &report, because: nil, log: log)
                break
            }
        }
        report.nextLSN = expected
        return report
    }

    /// Renames whole segments out of the log (kept for inspection, never read again).
    private func discard(
        _ names: [String], report: inout RecoveryReport, because damage: StorageError?, log: (String) -> Void
    ) throws {
        if let damage { log("wal: repair: \(damage)") }
        for name in names {
            try io.rename(directory + "/" + name, directory + "/" + name + ".discarded")
            report.discardedSegments.append(name)
            log("wal: repair: set aside \(directory)/\(name) as \(name).discarded")
        }
        try io.syncDirectory(directory)
    }
}
