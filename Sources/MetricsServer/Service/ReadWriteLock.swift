#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread reader-writer lock: queries of one account run side by side on
/// both cores, events take it alone. `Mutex` would serialize the readers too.
///
/// `@unchecked Sendable` is sound here: the value is only reachable inside `read` / `write`,
/// which hold the lock for their whole duration.
final class ReadWriteLock<Value>: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    /// The value lives behind a pointer rather than in a stored property, so `readInPlace` can
    /// hand out its address.
    private let storage: UnsafeMutablePointer<Value>

    init(_ value: Value) {
        storage = .allocate(capacity: 1)
        storage.initialize(to: value)
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        let rc = pthread_rwlock_init(lock, nil)
        precondition(rc == 0, "pthread_rwlock_init failed: \(rc)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    func read<R>(_ body: (borrowing Value) throws -> R) rethrows -> R {
        try readInPlace { try body($0.pointee) }
    }

    /// `read` for hot paths: the body reaches the value through a pointer. With `read`, every
    /// query copied the whole account state into the closure (a retain and release of each of
    /// its buffers); through the pointer only the part a method is called on is copied (a
    /// method called on `pointee` gets a copy: the pointee could change during the call as far
    /// as the compiler knows; `AccountMetrics.query(at:)` avoids even that one).
    func readInPlace<R>(_ body: (UnsafePointer<Value>) throws -> R) rethrows -> R {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(storage)
    }

    func write<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&storage.pointee)
    }
}
