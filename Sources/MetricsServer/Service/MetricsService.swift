public import MetricsAPI
public import MetricsCore
public import RateLimiting
import Dispatch
public import Storage
import Synchronization

/// Why a call was refused before or instead of an answer; `retryAfterMs` is set for rate-limit
/// rejections so each front can say when to come back in its own way.
public struct ServiceFailure: Error, Sendable, Equatable {
    public var error: APIError
    public var retryAfterMs: Int64?

    public init(_ error: APIError, retryAfterMs: Int64? = nil) {
        self.error = error
        self.retryAfterMs = retryAfterMs
    }
}

/// The one implementation behind both fronts: validation, identity, the rate limiter and the
/// core. The gRPC front and the REST gateway only decode, call this, and encode.
public final class MetricsService: Sendable {
    let registry = AccountRegistry()
    private let wal = Mutex<WriteAheadLog?>(nil)
    /// What snapshots need to know, and the gate that makes a capture consistent: every
    /// logged batch is applied (and `appliedLSN` advanced) while holding it, so a capture made
    /// under it sees exactly the records up to `appliedLSN`.
    private let snapshots = Mutex(SnapshotControl())
    private let snapshotQueue = DispatchQueue(label: "metricsd.snapshot", qos: .utility)
    public let limiter: SharedRateLimiter
    public let authenticator: Authenticator
    public let stats: ServerStats
    /// Epoch milliseconds; the only clock the service reads.
    public let clock: @Sendable () -> Int64

    public init(authenticator: Authenticator, stats: ServerStats = ServerStats(),
                limiter: SharedRateLimiter = SharedRateLimiter(), clock: @escaping @Sendable () -> Int64) {
        self.authenticator = authenticator
        self.stats = stats
        self.limiter = limiter
        self.clock = clock
    }

    /// One admitted GetMetrics call. It holds a rate-limit permit from admission until
    /// `release()`, which the front calls exactly once whatever happens (answer, error, client
    /// cancel, disconnect, deadline); later calls are no-ops.
    public final class Call: Sendable {
        public let query: MetricsQuery
        let key: CallerKey
        let sortAsSent: String
        let base: LinkBase
        let service: MetricsService
        private let released = Atomic(false)

        init(query: MetricsQuery, key: CallerKey, sortAsSent: String, base: LinkBase, service: MetricsService) {
            self.query = query
            self.key = key
            self.sortAsSent = sortAsSent
            self.base = base
            self.service = service
        }

        public func run() -> GetMetricsResponse {
            let result = service.registry.query(query, now: service.clock())
            return GetMetricsResponse(result: result, query: query, sortAsSent: sortAsSent, base: base)
        }

        public func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            service.limiter.release(key, now: service.clock())
        }

        deinit { release() }
    }

    /// Validates, authenticates and admits a metrics query. Validation comes first so that a
    /// malformed request is told what is wrong even before its token is checked; the limiter
    /// decides last, before any work reaches the core.
    public func admitGetMetrics(
        _ request: GetMetricsRequest, front: APIFront, authorization: String?, peer: @autoclosure () -> String,
        scheme: String, authority: String
    ) throws(ServiceFailure) -> Call {
        let now = clock()
        let query: MetricsQuery
        do { query = try request.validated(now: now, front: front) } catch { throw ServiceFailure(error) }
        let caller = try authenticate(authorization, account: query.accountId, peer: peer())
        let key = CallerKey(account: query.accountId, user: caller.userId)
        switch limiter.acquire(key, limits: caller.limits, now: now) {
        case .admitted:
            let base = LinkBase(scheme: scheme, authority: authority, accountId: query.accountId)
            return Call(query: query, key: key, sortAsSent: request.sort, base: base, service: self)
        case .rejected(let reason, let retryAfterMs):
            stats.recordRejection(reason)
            let what = reason == .concurrency
                ? "too many concurrent requests (limit \(caller.limits.maxConcurrent))"
                : "too many requests in the last 60 s (limit \(caller.limits.maxPerMinute))"
            throw ServiceFailure(
                APIError(code: .resourceExhausted, message: "rate limit: \(what); retry after \(retryAfterMs) ms", httpStatus: 429),
                retryAfterMs: retryAfterMs)
        }
    }

    /// Ingests a batch (SPEC §4): validate → authenticate → under the account's lock, decide
    /// "duplicate" against the producer's last *logged* sequence and append the record to the
    /// write-ahead log (so log order is the account's order) → after its fsync, apply in log
    /// order → `completion`. The reply never precedes the fsync, not even a duplicate's (it
    /// waits for the original's). A duplicate is acknowledged again (applied 0, rejected 0,
    /// duplicate true) and never applied twice. If the log cannot
    /// write, the reply is UNAVAILABLE and the producer's logged sequence goes back to its last
    /// applied one, so the retry is taken as new. Without a log (`openLog` not called) the batch
    /// is applied in memory only.
    ///
    /// `completion` runs exactly once, on the caller's thread (errors found before the log, or
    /// no log) or on the log's completion queue.
    public func publishEvents(
        _ request: PublishEventsRequest, authorization: String?, peer: String,
        completion: @escaping @Sendable (Result<PublishEventsResponse, ServiceFailure>) -> Void
    ) {
        let batch: EventBatch
        do {
            batch = try request.validated()
            _ = try authenticate(authorization, account: batch.accountId, peer: peer)
        } catch let error as APIError {
            return completion(.failure(ServiceFailure(error)))
        } catch let error as ServiceFailure {
            return completion(.failure(error))
        } catch {
            return completion(.failure(ServiceFailure(.internalError("\(error)"))))
        }
        let now = clock()
        // The demo account (--demo) is simulated afresh at every start and never snapshotted:
        // logging batches for it would make them outlive the account they were applied to, and
        // they would vanish silently once a snapshot covered their segment. Its batches are
        // applied in memory only, like the simulator's own events (docs/durability.md).
        let local = snapshots.withLock { $0.localAccounts.contains(batch.accountId) }
        guard let log = wal.withLock({ $0 }), !local else {
            let response = registry.write(account: batch.accountId) { Self.apply(batch, now: now, to: &$0) }
            return completion(.success(recorded(response)))
        }
        var logged = request
        logged.accountId = batch.accountId
        ingest(batch, payload: IngestRecord(now: now, request: logged).bytes(), now: now, log: log, completion: completion)
    }

    /// The logged path of `publishEvents`, from the duplicate decision on. A sequence at or below
    /// the last *applied* one is a duplicate at once (applied means durable). One at or below the
    /// last *logged* one repeats a record whose fsync is pending: acknowledging it now could
    /// precede that fsync, so it waits and is decided again when the record settles (a duplicate
    /// if it became durable, a new batch if its write failed).
    private func ingest(
        _ batch: EventBatch, payload: [UInt8], now: Int64, log: WriteAheadLog,
        completion: @escaping @Sendable (Result<PublishEventsResponse, ServiceFailure>) -> Void
    ) {
        let producer = batch.producerId
        let duplicate = registry.write(account: batch.accountId) { state -> Bool in
            if let applied = state.lastSequence[producer], batch.sequence <= applied { return true }
            if let logged = state.loggedSequence[producer], batch.sequence <= logged {
                state.waitingForLog[producer, default: []].append { [self] in
                    ingest(batch, payload: payload, now: now, log: log, completion: completion)
                }
                return false
            }
            state.loggedSequence[producer] = batch.sequence
            log.append(payload) { [self] result in
                let (reply, waiting, snapshotDue) = snapshots.withLock { control in
                    let (reply, waiting) = registry.write(account: batch.accountId) { state in
                        let reply: Result<PublishEventsResponse, ServiceFailure>
                        switch result {
                        case .success:
                            reply = .success(Self.apply(batch, now: now, to: &state))
                        case .failure(let error):
                            state.loggedSequence[producer] = state.lastSequence[producer]
                            reply = .failure(ServiceFailure(APIError(
                                code: .unavailable,
                                message: "cannot make the batch durable in data dir \(log.directory): \(error); "
                                    + "it was not applied, retry with the same producerId and sequence")))
                        }
                        return (reply, state.waitingForLog.removeValue(forKey: producer) ?? [])
                    }
                    guard case .success(let lsn) = result else { return (reply, waiting, false) }
                    control.appliedLSN = lsn
                    control.bytesSinceSnapshot += payload.count
                    return (reply, waiting, control.dueBySize)
                }
                if snapshotDue { startSnapshot() }
                completion(reply.map { recorded($0) })
                for retry in waiting { retry() }
            }
            return false
        }
        if duplicate {
            var response = PublishEventsResponse()
            response.duplicate = true
            completion(.success(recorded(response)))
        }
    }

    /// The one place a batch reaches the core: live ingest after its fsync, and recovery.
    /// The duplicate check against the last *applied* sequence also makes a batch that was
    /// logged twice (a retry racing a failed group) count once, live and on replay alike.
    static func apply(_ batch: EventBatch, now: Int64, to state: inout AccountState) -> PublishEventsResponse {
        var response = PublishEventsResponse()
        if let last = state.lastSequence[batch.producerId], batch.sequence <= last {
            response.duplicate = true
            return response
        }
        // The well-formed events go to the core as one batch (it reads ahead across events);
        // rejections are reported by position in the request, in order.
        var events: [Event] = []
        var positions: [Int32] = []
        events.reserveCapacity(batch.entries.count)
        positions.reserveCapacity(batch.entries.count)
        var malformed: [Rejection] = []
        for (i, entry) in batch.entries.enumerated() {
            switch entry {
            case .failure(let rejection): malformed.append(Rejection(index: Int32(i), reason: rejection.reason))
            case .success(let event):
                events.append(event)
                positions.append(Int32(i))
            }
        }
        var inconsistent: [Rejection] = []
        state.metrics.apply(events[...], now: now) { k, outcome in
            switch outcome {
            case .applied: response.applied += 1
            case .rejected(let reason): inconsistent.append(Rejection(index: positions[k], reason: reason))
            }
        }
        response.rejections = Self.merged(malformed, inconsistent)
        response.rejected = Int64(response.rejections.count)
        state.lastSequence[batch.producerId] = batch.sequence
        return response
    }

    /// Two lists of rejections, each in position order, as one in position order.
    static func merged(_ a: [Rejection], _ b: [Rejection]) -> [Rejection] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [Rejection] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].index < b[j].index) {
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }

    private func recorded(_ response: PublishEventsResponse) -> PublishEventsResponse {
        stats.recordEvents(applied: Int(response.applied), rejected: Int(response.rejected), duplicate: response.duplicate)
        return response
    }

    /// When snapshots are written and how many are kept (docs/durability.md, "Snapshots").
    public struct SnapshotOptions: Sendable {
        /// A snapshot is started once this many log bytes were made durable since the last
        /// one (0 = never by size).
        public var everyBytes = 32 << 20
        /// …or once this long has passed since the last one and the log grew (0 = never by time).
        public var intervalMs: Int64 = 600_000
        /// Told what snapshots did (written, deleted, failed).
        public var log: @Sendable (String) -> Void = { _ in }
        /// Size at which the log starts a new segment (segments are what snapshots delete).
        public var segmentBytes = 64 << 20
        public init() {}
    }

    /// Snapshots kept: the newest and one before it, so a damaged newest one still leaves a
    /// snapshot whose tail is in the log (segments are deleted only up to the older one).
    static let snapshotsKept = 2

    /// Opens the write-ahead log in `directory` and recovers the (still empty) core: the
    /// newest intact snapshot, then the log records after it. Call once, before the fronts serve.
    public func openLog(
        directory: String, repair: Bool = false, snapshots options: SnapshotOptions = SnapshotOptions(),
        io: any FileIO = PosixFileIO(), log: (String) -> Void
    ) throws -> RecoveryReport {
        var walOptions = WriteAheadLog.Options()
        walOptions.repair = repair
        walOptions.segmentBytes = options.segmentBytes
        walOptions.onSync = { [stats] in stats.recordWALFsync($0) }
        try io.makeDirectory(directory)
        let store = SnapshotStore(directory: directory, io: io)
        for name in try store.removeTemporaries() { log("snapshot: removed \(directory)/\(name), left by an interrupted write") }
        let loaded = loadNewestSnapshot(store, log: log)
        var events = 0
        var tailBytes = 0
        var lastPrune = loaded?.lastPruneMs ?? .min
        let (wal, report) = try WriteAheadLog.open(
            directory: directory, options: walOptions, io: io, after: loaded?.lsn ?? 0, log: log
        ) { lsn, payload in
            let record = try IngestRecord(payload)
            // Live, retention runs every minute and forgets conversations closed over 24 h ago
            // (an id may then be opened again); replay prunes on the same cadence of record time,
            // continuing from the snapshot's last prune.
            if record.now >= lastPrune &+ 60_000 {
                if lastPrune != .min { registry.prune(now: record.now) }
                lastPrune = record.now
            }
            let batch: EventBatch
            do { batch = try record.request.validated() } catch {
                throw APIError(code: .dataLoss, message: "log record \(lsn) no longer validates: \(error)")
            }
            events += batch.entries.count
            tailBytes += payload.count
            registry.write(account: batch.accountId) { state in
                _ = Self.apply(batch, now: record.now, to: &state)
                state.loggedSequence[batch.producerId] = state.lastSequence[batch.producerId]
            }
        }
        self.wal.withLock { $0 = wal }
        snapshots.withLock { c in
            c.store = store
            c.options = options
            c.appliedLSN = report.nextLSN - 1
            c.snapshotLSN = loaded?.lsn ?? 0
            c.lastSnapshotMs = clock()
            c.bytesSinceSnapshot = tailBytes
            c.lastPruneMs = lastPrune
        }
        let from = loaded.map { "snapshot \(SnapshotStore.name(lsn: $0.lsn)) + " } ?? ""
        log("recovery: \(from)replayed \(report.records) records (\(events) events) from \(report.segments) segments in \(directory)"
            + (report.coveredSegments > 0 ? " (\(report.coveredSegments) covered by the snapshot, not read)" : "")
            + (report.truncatedBytes > 0 ? ", truncated \(report.truncatedBytes) bytes" : ""))
        return report
    }

    /// Loads the newest snapshot that is intact into the registry; an unusable one is logged
    /// and the next older tried; nil when none is left (the whole log is replayed).
    private func loadNewestSnapshot(_ store: SnapshotStore, log: (String) -> Void) -> ServiceSnapshot? {
        let lsns: [UInt64]
        do { lsns = try store.list() } catch {
            log("snapshot: cannot list \(store.directory) (\(error)); replaying the whole log")
            return nil
        }
        for (i, lsn) in lsns.enumerated().reversed() {
            let began = ContinuousClock.now
            do {
                let file = try store.read(lsn: lsn)
                let snapshot = try file.withPayload { try ServiceSnapshot.decode($0, lsn: lsn) }
                for account in snapshot.accounts {
                    registry.write(account: account.id) { state in
                        state.metrics = account.metrics
                        state.lastSequence = account.lastSequence
                        state.loggedSequence = account.lastSequence
                    }
                }
                let ms = (ContinuousClock.now - began).components
                log("snapshot: loaded \(file.path) (records up to \(lsn), \(snapshot.accounts.count) accounts, "
                    + "\(file.payloadCount) bytes) in \(ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000) ms")
                return snapshot
            } catch {
                let next = i > 0 ? "trying the older \(SnapshotStore.name(lsn: lsns[i - 1]))" : "replaying the whole log"
                let why = if case StorageError.badSnapshot(_, let reason) = error { reason } else { "\(error)" }
                log("snapshot: \(store.path(lsn: lsn)) is unusable: \(why); \(next)")
            }
        }
        return nil
    }

    /// Captures every logged account's state at one LSN (copies under the gate: values are
    /// copy-on-write, so this is cheap) and writes it on the snapshot queue, then deletes what
    /// it makes redundant. At most one runs at a time.
    private func startSnapshot() {
        let capture: (ServiceSnapshot, SnapshotStore, SnapshotOptions)? = snapshots.withLock { c in
            guard let store = c.store, !c.inProgress, c.appliedLSN > c.snapshotLSN else { return nil }
            c.inProgress = true
            var accounts: [ServiceSnapshot.Account] = []
            for id in registry.accountIds.sorted() where !c.localAccounts.contains(id) {
                if let account = registry.read(account: id, { state in
                    ServiceSnapshot.Account(id: id, lastSequence: state.lastSequence, metrics: state.metrics)
                }) {
                    accounts.append(account)
                }
            }
            c.bytesSinceSnapshot = 0
            c.lastSnapshotMs = clock()
            return (ServiceSnapshot(lsn: c.appliedLSN, lastPruneMs: c.lastPruneMs, accounts: accounts), store, c.options)
        }
        guard let (snapshot, store, options) = capture else { return }
        snapshotQueue.async { [self] in
            let began = ContinuousClock.now
            var written = false
            do {
                let size = try store.write(lsn: snapshot.lsn, chunks: snapshot.encode())
                written = true
                let d = (ContinuousClock.now - began).components
                options.log("snapshot: wrote \(store.path(lsn: snapshot.lsn)) (records up to \(snapshot.lsn), \(size) bytes) in "
                    + "\(d.seconds * 1000 + d.attoseconds / 1_000_000_000_000_000) ms")
                let removed = try store.prune(keep: Self.snapshotsKept)
                // Segments only up to the oldest snapshot kept: if the newest turns out damaged,
                // the older one still has its whole tail in the log.
                let kept = try store.list()
                var deleted: [String] = []
                if kept.count >= Self.snapshotsKept, let log = wal.withLock({ $0 }) {
                    deleted = try log.deleteSegments(coveredThrough: kept[kept.count - Self.snapshotsKept])
                }
                if !removed.isEmpty || !deleted.isEmpty {
                    options.log("snapshot: deleted \(removed.count) older snapshots and \(deleted.count) covered segments"
                        + (deleted.isEmpty ? "" : " (\(deleted.joined(separator: ", ")))"))
                }
            } catch {
                options.log("snapshot: " + (written ? "cleanup after \(store.path(lsn: snapshot.lsn)) failed: " : "writing \(store.path(lsn: snapshot.lsn)) failed: ")
                    + "\(error); the log is kept whole and the next snapshot tries again")
            }
            snapshots.withLock { c in
                c.inProgress = false
                if written { c.snapshotLSN = max(c.snapshotLSN, snapshot.lsn) }
            }
        }
    }

    /// Writes a snapshot now (if the log grew since the last one) and waits for it; for tests
    /// and the restart benchmark. Returns the LSN covered by the newest snapshot afterwards.
    @discardableResult
    public func snapshotNow() -> UInt64 {
        snapshotQueue.sync {}
        startSnapshot()
        snapshotQueue.sync {}
        return snapshots.withLock { $0.snapshotLSN }
    }

    /// Waits for pending appends and closes the log (shutdown, after the fronts drained).
    /// Returns a line on what group commit did, for the log.
    @discardableResult
    public func closeLog() -> String? {
        guard let log = wal.withLock({ $0 }) else { return nil }
        log.close()
        snapshotQueue.sync {}  // a snapshot being written is finished, not left as a .tmp
        return "wal: closed; \(log.appendedCount) records made durable with \(log.syncCount) fsyncs since start"
    }

    /// Applies events without a producer (the demo simulator feeding its own account).
    public func applyLocal(_ events: some Sequence<Event>, account: String) -> (applied: Int, rejected: Int) {
        let now = clock()
        // Not logged, so not snapshotted either (the demo is re-simulated at start).
        snapshots.withLock { _ = $0.localAccounts.insert(account) }
        return registry.write(account: account) { state in
            var applied = 0
            var rejected = 0
            state.metrics.apply(Array(events)[...], now: now) { _, outcome in
                if outcome.isApplied { applied += 1 } else { rejected += 1 }
            }
            return (applied, rejected)
        }
    }

    /// A core query without validation, identity or limits (tools and benchmarks).
    public func query(_ q: MetricsQuery) -> MetricsResult { registry.query(q, now: clock()) }

    /// Retention (every minute); also starts a snapshot when `intervalMs` has passed and the
    /// log grew. The prune runs under the snapshot gate, so a snapshot's `lastPruneMs` is the
    /// last prune its state has seen.
    public func prune() {
        let now = clock()
        let due = snapshots.withLock { c in
            registry.prune(now: now)
            c.lastPruneMs = now
            return c.options.intervalMs > 0 && now - c.lastSnapshotMs >= c.options.intervalMs
        }
        if due { startSnapshot() }
    }

    private func authenticate(
        _ authorization: String?, account: String, peer: @autoclosure () -> String
    ) throws(ServiceFailure) -> Caller {
        switch authenticator.authenticate(authorization: authorization, account: account, peer: peer()) {
        case .success(let caller): return caller
        case .failure(.unauthenticated(let message)):
            throw ServiceFailure(APIError(code: .unauthenticated, message: message))
        case .failure(.permissionDenied(let message)):
            throw ServiceFailure(APIError(code: .permissionDenied, message: message))
        }
    }
}

/// Snapshot bookkeeping, guarded by `MetricsService.snapshots`.
struct SnapshotControl {
    var store: SnapshotStore?
    var options = MetricsService.SnapshotOptions()
    /// The last log record applied to the core (records complete in LSN order).
    var appliedLSN: UInt64 = 0
    /// The LSN covered by the newest durable snapshot.
    var snapshotLSN: UInt64 = 0
    var bytesSinceSnapshot = 0
    var lastSnapshotMs: Int64 = 0
    var lastPruneMs: Int64 = .min
    var inProgress = false
    /// Accounts fed without the log (the demo): never snapshotted.
    var localAccounts: Set<String> = []

    var dueBySize: Bool { store != nil && options.everyBytes > 0 && bytesSinceSnapshot >= options.everyBytes && !inProgress }
}
