import Dispatch
import MaximizeCore
import NIOConcurrencyHelpers

/// Runs async work from synchronous code and waits for it on the calling thread.
///
/// The daemon's entry point is synchronous so that signals are blocked before the concurrency
/// runtime starts its threads.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = NIOLockedValueBox<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        result.withLockedValue { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLockedValue { $0! }.get()
}
