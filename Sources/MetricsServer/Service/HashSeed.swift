import MetricsCore

/// The seed of the core's id indexes (`AccountMetrics.init(hashSeed:)`) in this process:
/// random, so that ids a client chooses to collide cannot be precomputed. The core takes it
/// as an input because it has no randomness of its own; indexes are never persisted, so a
/// restart may draw another.
enum ProcessHashSeed {
    static let value = UInt64.random(in: .min ... .max)
}
