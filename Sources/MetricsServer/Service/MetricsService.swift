public import MetricsAPI
public import MetricsCore
public import RateLimiting
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
        _ request: GetMetricsRequest, front: APIFront, authorization: String?, peer: String,
        scheme: String, authority: String
    ) throws(ServiceFailure) -> Call {
        let now = clock()
        let query: MetricsQuery
        do { query = try request.validated(now: now, front: front) } catch { throw ServiceFailure(error) }
        let caller = try authenticate(authorization, account: query.accountId, peer: peer)
        let key = CallerKey(account: query.accountId, user: caller.userId)
        switch limiter.acquire(key, limits: caller.limits, now: now) {
        case .admitted:
            let base = LinkBase(scheme: scheme, authority: authority, path: LinkBase.metricsPath(accountId: query.accountId))
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

    /// Applies a batch of events. Duplicates (sequence not above the producer's last applied
    /// one) are acknowledged again and applied never twice.
    ///
    /// Until the write-ahead log lands, the batch is applied in memory only: the reply does not
    /// yet mean "durable" (docs/status.md).
    public func publishEvents(_ request: PublishEventsRequest, authorization: String?, peer: String)
        throws(ServiceFailure) -> PublishEventsResponse
    {
        let batch: EventBatch
        do { batch = try request.validated() } catch { throw ServiceFailure(error) }
        _ = try authenticate(authorization, account: batch.accountId, peer: peer)
        let now = clock()
        let response = registry.write(account: batch.accountId) { state in
            var response = PublishEventsResponse()
            if let last = state.lastSequence[batch.producerId], batch.sequence <= last {
                response.duplicate = true
                return response
            }
            for (i, entry) in batch.entries.enumerated() {
                switch entry {
                case .failure(let rejection):
                    response.rejections.append(Rejection(index: Int32(i), reason: rejection.reason))
                case .success(let event):
                    switch state.metrics.apply(event, now: now) {
                    case .applied: response.applied += 1
                    case .rejected(let reason): response.rejections.append(Rejection(index: Int32(i), reason: reason))
                    }
                }
            }
            response.rejected = Int64(response.rejections.count)
            state.lastSequence[batch.producerId] = batch.sequence
            return response
        }
        stats.recordEvents(applied: Int(response.applied), rejected: Int(response.rejected), duplicate: response.duplicate)
        return response
    }

    /// Applies events without a producer (the demo simulator feeding its own account).
    public func applyLocal(_ events: some Sequence<Event>, account: String) -> (applied: Int, rejected: Int) {
        let now = clock()
        return registry.write(account: account) { state in
            var applied = 0
            var rejected = 0
            for e in events {
                if state.metrics.apply(e, now: now).isApplied { applied += 1 } else { rejected += 1 }
            }
            return (applied, rejected)
        }
    }

    public func prune() { registry.prune(now: clock()) }

    private func authenticate(_ authorization: String?, account: String, peer: String) throws(ServiceFailure) -> Caller {
        switch authenticator.authenticate(authorization: authorization, account: account, peer: peer) {
        case .success(let caller): return caller
        case .failure(.unauthenticated(let message)):
            throw ServiceFailure(APIError(code: .unauthenticated, message: message))
        case .failure(.permissionDenied(let message)):
            throw ServiceFailure(APIError(code: .permissionDenied, message: message))
        }
    }
}
