import MetricsCore

/// The payload of a snapshot file (docs/durability.md, "Snapshots"): the state after applying
/// every log record up to `lsn` — each logged account's core state and its producers' last
/// applied sequences (exactly-once ingest survives the deletion of the records that set them),
/// and the time of the last retention prune (so replay of the tail prunes on the same cadence).
///
///     u32 version (1) | u64 lsn | i64 lastPruneMs | u64 accounts
///     per account: string id | u64 producers | (string producerId, i64 sequence)… | AccountMetrics
struct ServiceSnapshot: Sendable {
    static let version: UInt32 = 1

    struct Account: Sendable {
        var id: String
        var lastSequence: [String: Int64]
        var metrics: AccountMetrics
    }

    var lsn: UInt64
    var lastPruneMs: Int64
    var accounts: [Account]

    /// One chunk for the header and one per account (each encoded on its own, so no single
    /// buffer holds the whole snapshot twice).
    func encode() -> [[UInt8]] {
        var header = SnapshotWriter()
        header.u32(Self.version)
        header.u64(lsn)
        header.i64(lastPruneMs)
        header.count(accounts.count)
        var chunks = [header.bytes]
        for a in accounts {
            var w = SnapshotWriter(reservingCapacity: 1 << 16)
            w.string(a.id)
            w.count(a.lastSequence.count)
            for (producer, sequence) in a.lastSequence.sorted(by: { $0.key < $1.key }) {
                w.string(producer)
                w.i64(sequence)
            }
            a.metrics.writeSnapshot(to: &w)
            chunks.append(w.bytes)
        }
        return chunks
    }

    static func decode(_ raw: UnsafeRawBufferPointer, lsn expected: UInt64) throws(SnapshotError) -> ServiceSnapshot {
        var r = SnapshotReader(raw)
        let version = try r.u32()
        guard version == Self.version else {
            throw SnapshotError(offset: 0, reason: "service snapshot version \(version), this build reads \(Self.version)")
        }
        let lsn = try r.u64()
        guard lsn == expected else { throw r.failure("covers record \(lsn), the file says \(expected)") }
        var snapshot = ServiceSnapshot(lsn: lsn, lastPruneMs: try r.i64(), accounts: [])
        let n = try r.count(minSize: 16, "accounts")
        for _ in 0..<n {
            let id = try r.string()
            let producers = try r.count(minSize: 12, "producers")
            var sequences: [String: Int64] = [:]
            sequences.reserveCapacity(producers)
            for _ in 0..<producers {
                let producer = try r.string()
                sequences[producer] = try r.i64()
            }
            guard sequences.count == producers else { throw r.failure("account \(id) lists a producer twice") }
            let metrics = try AccountMetrics(snapshot: &r, hashSeed: ProcessHashSeed.value)
            snapshot.accounts.append(Account(id: id, lastSequence: sequences, metrics: metrics))
        }
        guard r.isAtEnd else { throw r.failure("\(r.remaining) bytes after the last account") }
        guard Set(snapshot.accounts.map(\.id)).count == n else { throw r.failure("an account is listed twice") }
        return snapshot
    }
}
