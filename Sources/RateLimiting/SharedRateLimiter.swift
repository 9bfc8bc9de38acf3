import Synchronization

/// The limiter both fronts share. Callers are spread over independent shards by key hash so
/// that two cores admitting different callers rarely wait on the same lock; one caller always
/// lands on one shard, which keeps its limits exact.
public final class SharedRateLimiter: Sendable {
    final class Shard: Sendable {
        let limiter = Mutex(RateLimiter())
    }

    private let shards: [Shard]

    public init(shardCount: Int = 16) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    /// By FNV-1a of the key (`CallerKey.spread`, made with the key) rather than the seeded
    /// SipHash `Hasher`: a shard only spreads lock contention. A caller who could steer keys
    /// onto one shard would only make its own requests wait on one lock; limits stay exact.
    static func shardIndex(_ key: CallerKey, count: Int) -> Int {
        Int(key.spread % UInt64(count))
    }

    private func shard(_ key: CallerKey) -> Shard {
        shards[Self.shardIndex(key, count: shards.count)]
    }

    public func acquire(_ key: CallerKey, limits: RateLimits, now: Int64) -> RateLimitDecision {
        shard(key).limiter.withLock { $0.acquire(key, limits: limits, now: now) }
    }

    public func release(_ key: CallerKey, now: Int64) {
        shard(key).limiter.withLock { $0.release(key, now: now) }
    }

    public func inFlight(_ key: CallerKey) -> Int {
        shard(key).limiter.withLock { $0.inFlight(key) }
    }

    public var trackedCallers: Int {
        shards.reduce(0) { sum, s in sum + s.limiter.withLock { $0.trackedCallers } }
    }
}
