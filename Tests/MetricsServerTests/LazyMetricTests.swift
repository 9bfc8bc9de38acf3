import Dispatch
@testable import MetricsServer
import Synchronization
import Testing

final class Probe: Sendable {
    static let alive = Atomic<Int>(0)
    init() { Self.alive.add(1, ordering: .relaxed) }
    deinit { Self.alive.subtract(1, ordering: .relaxed) }
}

@Suite(.serialized) struct LazyMetricTests {
    @Test func nothingIsCreatedUntilFirstUseAndThenAlwaysTheSameObject() {
        let made = Atomic<Int>(0)
        let lazy = LazyMetric { made.add(1, ordering: .relaxed); return Probe() }
        #expect(lazy.peek() == nil)
        #expect(made.load(ordering: .relaxed) == 0)
        let first = lazy.value
        #expect(lazy.value === first)
        #expect(lazy.peek() === first)
        #expect(made.load(ordering: .relaxed) == 1)
    }

    @Test func racingFirstUsesAgreeOnOneObjectAndLeakNothing() {
        let before = Probe.alive.load(ordering: .relaxed)
        for _ in 0..<200 {
            let lazy = LazyMetric { Probe() }
            let seen = Mutex<Set<ObjectIdentifier>>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                let id = ObjectIdentifier(lazy.value)
                seen.withLock { _ = $0.insert(id) }
            }
            #expect(seen.withLock { $0.count } == 1)
            #expect(lazy.peek().map(ObjectIdentifier.init) == seen.withLock { $0.first })
        }
        // Losers of the race were released, and each cache released its object with itself.
        #expect(Probe.alive.load(ordering: .relaxed) == before)
    }
}
