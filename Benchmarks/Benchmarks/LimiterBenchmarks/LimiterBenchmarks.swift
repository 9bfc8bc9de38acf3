import Benchmark
import Dispatch
import RateLimiting

/// The cost of one admission decision plus its release (SPEC §5 limiter), alone and with both
/// cores busy. Each scaled iteration is one acquire + release, so the reported time is ns/op.
/// Time is a parameter of the limiter; these benchmarks advance it by 1 ms per operation, the
/// worst steady state of one busy caller (one window entry per millisecond, expiring as fast
/// as it is added).
enum LimiterInput {
    static let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    /// Never the reason for a rejection here: the benchmarks measure admitted requests.
    static let open = RateLimits(maxConcurrent: 1_000, maxPerMinute: 1_000_000_000)
    static let oneCaller = CallerKey(account: "demo", user: "dashboard")
    /// 1,000 callers spread over the table, as on a busy multi-tenant server.
    static let manyCallers = (0..<1_000).map { CallerKey(account: "acct-\($0 % 50)", user: "user-\($0)") }

    /// One thread's share of a two-thread run: `ops` admit+release pairs on `keys`, round robin.
    static func run(_ limiter: SharedRateLimiter, keys: [CallerKey], ops: Int) {
        var now = start
        var i = 0
        for _ in 0..<ops {
            now &+= 1
            let key = keys[i]
            i = i + 1 == keys.count ? 0 : i + 1
            blackHole(limiter.acquire(key, limits: open, now: now))
            limiter.release(key, now: now)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal], timeUnits: .nanoseconds,
        warmupIterations: 2, scalingFactor: .mega, maxDuration: .seconds(10), maxIterations: 20)

    Benchmark("RateLimiter admit+release, one caller, single thread", configuration: config) { benchmark in
        var limiter = RateLimiter()
        var now = LimiterInput.start
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            now &+= 1
            blackHole(limiter.acquire(LimiterInput.oneCaller, limits: LimiterInput.open, now: now))
            limiter.release(LimiterInput.oneCaller, now: now)
        }
    }

    Benchmark("RateLimiter admit+release, 1,000 callers round robin, single thread", configuration: config) { benchmark in
        var limiter = RateLimiter()
        var now = LimiterInput.start
        let keys = LimiterInput.manyCallers
        var i = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            now &+= 1
            blackHole(limiter.acquire(keys[i], limits: LimiterInput.open, now: now))
            limiter.release(keys[i], now: now)
            i = i + 1 == keys.count ? 0 : i + 1
        }
    }

    Benchmark("SharedRateLimiter admit+release, one caller, single thread", configuration: config) { benchmark in
        let limiter = SharedRateLimiter()
        benchmark.startMeasurement()
        LimiterInput.run(limiter, keys: [LimiterInput.oneCaller], ops: benchmark.scaledIterations.count)
    }

    Benchmark("SharedRateLimiter admit+release, 1,000 callers round robin, single thread", configuration: config) { benchmark in
        let limiter = SharedRateLimiter()
        benchmark.startMeasurement()
        LimiterInput.run(limiter, keys: LimiterInput.manyCallers, ops: benchmark.scaledIterations.count)
    }

    // Two threads each do the full count, so ns/op here is per thread: wall time of the pair
    // divided by one thread's operations. No collapse means close to the single-thread figure.
    Benchmark("SharedRateLimiter admit+release, 2 threads, distinct callers", configuration: config) { benchmark in
        let limiter = SharedRateLimiter()
        let ops = benchmark.scaledIterations.count
        let perThread = [Array(LimiterInput.manyCallers[0..<500]), Array(LimiterInput.manyCallers[500...])]
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: 2) { t in LimiterInput.run(limiter, keys: perThread[t], ops: ops) }
    }

    Benchmark("SharedRateLimiter admit+release, 2 threads, the same caller", configuration: config) { benchmark in
        let limiter = SharedRateLimiter()
        let ops = benchmark.scaledIterations.count
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in LimiterInput.run(limiter, keys: [LimiterInput.oneCaller], ops: ops) }
    }
}
