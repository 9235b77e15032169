#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A value guarded by a pthread mutex: the one lock for state shared between threads here.
///
/// Used instead of `Synchronization.Mutex`, whose Linux implementation (a futex driven from inside
/// the uninstrumented standard library) Thread Sanitizer cannot see: every access under it would
/// be reported as a race, and a real race could hide among them. Thread Sanitizer intercepts
/// pthread mutexes, so code under this lock is actually checked (`scripts/test-tsan`).
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Out of line, so that the only ordering of its accesses is the mutex's.
    private let value = UnsafeMutablePointer<Value>.allocate(capacity: 1)

    public init(_ value: Value) {
        self.value.initialize(to: value)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
