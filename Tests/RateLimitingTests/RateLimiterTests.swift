import PropertyBased
import Synchronization
import Testing

@testable import RateLimiting

@Suite struct RateLimiterTests {
    let alice = CallerKey(account: "acme", user: "alice")
    let bob = CallerKey(account: "acme", user: "bob")

    @Test func concurrencyLimitRejectsTheNextRequestUntilOneIsReleased() {
        var limiter = RateLimiter()
        let limits = RateLimits(maxConcurrent: 2, maxPerMinute: 100)
        #expect(limiter.acquire(alice, limits: limits, now: 1_000) == .admitted)
        #expect(limiter.acquire(alice, limits: limits, now: 1_001) == .admitted)
        #expect(limiter.acquire(alice, limits: limits, now: 1_002) == .rejected(.concurrency, retryAfterMs: 100))
        limiter.release(alice, now: 1_003)
        #expect(limiter.acquire(alice, limits: limits, now: 1_004) == .admitted)
        #expect(limiter.inFlight(alice) == 2)
    }

    @Test func slidingWindowBoundaryIsExactToTheMillisecond() {
        var limiter = RateLimiter()
        let limits = RateLimits(maxConcurrent: 10, maxPerMinute: 3)
        for t: Int64 in [0, 10, 20] {
            #expect(limiter.acquire(alice, limits: limits, now: t) == .admitted)
            limiter.release(alice, now: t)
        }
        // The admission at t=0 still counts at 59,999 ms: one millisecond to wait.
        #expect(limiter.acquire(alice, limits: limits, now: 59_999) == .rejected(.rate, retryAfterMs: 1))
        // At exactly 60,000 ms it has left the window.
        #expect(limiter.acquire(alice, limits: limits, now: 60_000) == .admitted)
        // Now 10, 20 and 60,000 are in the window; 10 leaves at 60,010.
        #expect(limiter.acquire(alice, limits: limits, now: 60_009) == .rejected(.rate, retryAfterMs: 1))
        #expect(limiter.acquire(alice, limits: limits, now: 60_005) == .rejected(.rate, retryAfterMs: 5))
        #expect(limiter.acquire(alice, limits: limits, now: 60_010) == .admitted)
    }

    @Test func rejectionsDoNotCountAgainstTheWindow() {
        var limiter = RateLimiter()
        let limits = RateLimits(maxConcurrent: 1, maxPerMinute: 2)
        #expect(limiter.acquire(alice, limits: limits, now: 0) == .admitted)
        for t: Int64 in 1...50 { #expect(limiter.acquire(alice, limits: limits, now: t) != .admitted) }
        limiter.release(alice, now: 51)
        #expect(limiter.acquire(alice, limits: limits, now: 52) == .admitted)
    }

    @Test func requestsInTheSameMillisecondAreCountedOneByOne() {
        var limiter = RateLimiter()
        let limits = RateLimits(maxConcurrent: 100, maxPerMinute: 5)
        for _ in 0..<5 { #expect(limiter.acquire(alice, limits: limits, now: 7) == .admitted) }
        #expect(limiter.acquire(alice, limits: limits, now: 7) == .rejected(.rate, retryAfterMs: 60_000))
    }

    @Test func callersAreIndependent() {
        var limiter = RateLimiter()
        let limits = RateLimits(maxConcurrent: 1, maxPerMinute: 1)
        #expect(limiter.acquire(alice, limits: limits, now: 0) == .admitted)
        #expect(limiter.acquire(alice, limits: limits, now: 1) != .admitted)
        #expect(limiter.acquire(bob, limits: limits, now: 1) == .admitted)
        #expect(limiter.acquire(CallerKey(account: "other", user: "alice"), limits: limits, now: 1) == .admitted)
    }

    @Test func idleCallersAreForgotten() {
        var limiter = RateLimiter()
        let limits = RateLimits(maxConcurrent: 1, maxPerMinute: 10)
        for i in 0..<5_000 {
            let key = CallerKey(account: "a", user: "u\(i)")
            #expect(limiter.acquire(key, limits: limits, now: 0) == .admitted)
            limiter.release(key, now: 0)
        }
        #expect(limiter.trackedCallers <= 5_000)
        // A minute later, new traffic sweeps the old callers away.
        for i in 0..<2_100 {
            let key = CallerKey(account: "b", user: "u\(i)")
            _ = limiter.acquire(key, limits: limits, now: 120_000)
            limiter.release(key, now: 120_000)
        }
        #expect(limiter.trackedCallers <= 2_100)
        // A caller whose window emptied and who has nothing in flight leaves at once.
        var solo = RateLimiter()
        _ = solo.acquire(alice, limits: limits, now: 0)
        solo.release(alice, now: 60_000)
        #expect(solo.trackedCallers == 0)
    }

    /// The limiter agrees with the obvious model: a list of admission times.
    @Test func agreesWithANaiveModelOnRandomTraffic() async {
        let ops = Gen.int(in: 0...3).array(of: 1...400)
        let gaps = Gen.int(in: 0...2_000).array(of: 400)
        await propertyCheck(input: ops, gaps, Gen.int(in: 1...5), Gen.int(in: 1...20)) { ops, gaps, conc, perMin in
            var limiter = RateLimiter()
            let limits = RateLimits(maxConcurrent: conc, maxPerMinute: perMin)
            var admitted: [Int64] = []
            var inFlight = 0
            var now: Int64 = 1_000_000
            for (i, op) in ops.enumerated() {
                now += Int64(gaps[i % gaps.count])
                if op == 0, inFlight > 0 {
                    limiter.release(alice, now: now)
                    inFlight -= 1
                    continue
                }
                let inWindow = admitted.filter { $0 > now - 60_000 }
                let expected: RateLimitDecision
                if inFlight >= conc {
                    expected = .rejected(.concurrency, retryAfterMs: RateLimiter.concurrencyRetryHintMs)
                } else if inWindow.count >= perMin {
                    expected = .rejected(.rate, retryAfterMs: max(1, inWindow.min()! + 60_000 - now))
                } else {
                    expected = .admitted
                }
                let got = limiter.acquire(alice, limits: limits, now: now)
                #expect(got == expected)
                if got == .admitted {
                    admitted.append(now)
                    inFlight += 1
                }
            }
        }
    }

    final class Gauge: Sendable {
        let current = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        let admitted = Atomic<Int>(0)
    }

    @Test func sharedLimiterNeverExceedsTheConcurrencyLimitAcrossThreads() async {
        let shared = SharedRateLimiter(shardCount: 4)
        let limits = RateLimits(maxConcurrent: 3, maxPerMinute: 1_000_000)
        let gauge = Gauge()
        let key = alice
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<2_000 {
                        guard shared.acquire(key, limits: limits, now: 5) == .admitted else { continue }
                        let c = gauge.current.add(1, ordering: .sequentiallyConsistent).newValue
                        gauge.peak.max(c, ordering: .sequentiallyConsistent)
                        gauge.admitted.add(1, ordering: .relaxed)
                        gauge.current.subtract(1, ordering: .sequentiallyConsistent)
                        shared.release(key, now: 5)
                    }
                }
            }
        }
        #expect(gauge.peak.load(ordering: .relaxed) <= 3)
        #expect(gauge.admitted.load(ordering: .relaxed) > 0)
        #expect(shared.inFlight(key) == 0)
    }

    /// Shards come from FNV-1a of the key: stable for one key, spread over every shard, and the
    /// account/user boundary counts ("ab"+"c" and "a"+"bc" are different callers).
    @Test func shardsAreStableAndSpread() {
        let count = 16
        var used = Set<Int>()
        for i in 0..<1_000 {
            let key = CallerKey(account: "acct-\(i % 10)", user: "user-\(i)")
            let s = SharedRateLimiter.shardIndex(key, count: count)
            #expect(s >= 0 && s < count)
            #expect(SharedRateLimiter.shardIndex(key, count: count) == s)
            used.insert(s)
        }
        #expect(used.count == count)
        let splits = [("ab", "c"), ("a", "bc"), ("abc", ""), ("", "abc")].map {
            SharedRateLimiter.shardIndex(CallerKey(account: $0.0, user: $0.1), count: 1 << 30)
        }
        #expect(Set(splits).count == splits.count)
    }
}
