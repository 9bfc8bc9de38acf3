import Synchronization

/// SERVING until shutdown begins, then NOT_SERVING; Watch streams are told of the change.
public final class HealthState: Sendable {
    private struct State {
        var serving = true
        var nextId = 0
        var watchers: [Int: @Sendable (Bool) -> Void] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isServing: Bool { state.withLock { $0.serving } }

    public func setServing(_ serving: Bool) {
        let watchers = state.withLock { s -> [@Sendable (Bool) -> Void] in
            guard s.serving != serving else { return [] }
            s.serving = serving
            return Array(s.watchers.values)
        }
        for w in watchers { w(serving) }
    }

    /// Registers a watcher; returns its id for `unwatch`.
    func watch(_ onChange: @escaping @Sendable (Bool) -> Void) -> Int {
        state.withLock { s in
            let id = s.nextId
            s.nextId += 1
            s.watchers[id] = onChange
            return id
        }
    }

    func unwatch(_ id: Int) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }
}
