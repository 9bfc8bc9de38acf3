import MetricsCore
import Synchronization

/// What the server keeps per account: the core's metrics and, for exactly-once ingest, the
/// last applied sequence of each producer (SPEC §4).
struct AccountState: Sendable {
    var metrics = AccountMetrics(hashSeed: ProcessHashSeed.value)
    var lastSequence: [String: Int64] = [:]
    /// The last sequence written to the log per producer (ahead of `lastSequence` while its
    /// fsync is pending): a retry that arrives meanwhile is a duplicate, not a second record.
    var loggedSequence: [String: Int64] = [:]
    /// Requests that repeat a sequence whose record is still waiting for its fsync: decided
    /// again once a pending record of that producer is settled (durable or failed).
    var waitingForLog: [String: [@Sendable () -> Void]] = [:]
}

/// Every account's state, each behind its own reader-writer lock, so accounts never wait on
/// each other and one account's queries run in parallel. The table of accounts itself only
/// changes when an account first appears.
final class AccountRegistry: Sendable {
    private let table = Mutex<[String: ReadWriteLock<AccountState>]>([:])

    private func existing(_ id: String) -> ReadWriteLock<AccountState>? {
        table.withLock { $0[id] }
    }

    private func createIfNeeded(_ id: String) -> ReadWriteLock<AccountState> {
        table.withLock { t in
            if let a = t[id] { return a }
            let a = ReadWriteLock(AccountState())
            t[id] = a
            return a
        }
    }

    /// Where `metrics` sits inside `AccountState`: queries read it in place (see `query(at:)`).
    private static let metricsOffset = MemoryLayout<AccountState>.offset(of: \.metrics)!

    /// An account never written to answers like an empty one.
    func query(_ q: MetricsQuery, now: Int64) -> MetricsResult {
        guard let account = existing(q.accountId) else { return AccountMetrics().query(q, now: now) }
        return account.readInPlace { state in
            let metrics = UnsafeMutableRawPointer(mutating: state).advanced(by: Self.metricsOffset)
            return AccountMetrics.query(at: metrics.assumingMemoryBound(to: AccountMetrics.self), q, now: now)
        }
    }

    /// Reads one account under its shared lock (queries keep running); nil for an unknown account.
    func read<R>(account id: String, _ body: (borrowing AccountState) -> R) -> R? {
        existing(id)?.read(body)
    }

    func write<R>(account id: String, _ body: (inout AccountState) -> R) -> R {
        createIfNeeded(id).write(body)
    }

    func prune(now: Int64) {
        let all = table.withLock { Array($0.values) }
        for a in all { a.write { $0.metrics.prune(now: now) } }
    }

    var accountIds: [String] { table.withLock { Array($0.keys) } }
}
