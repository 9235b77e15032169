import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization

/// Request counters for `status.json` and `/metrics`, and the event the drain waits for: no
/// request left in flight.
final class RequestStats: Sendable {
    let total = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    /// How many ``waitUntilIdle()`` calls are waiting (the hot path looks only at this).
    private let waiting = Atomic<Int>(0)
    private let idleWaiters = NIOLockedValueBox<[Int: CheckedContinuation<Void, Never>]>([:])
    private let nextWaiter = Atomic<Int>(0)

    func started() {
        total.add(1, ordering: .relaxed)
        inFlight.add(1, ordering: .relaxed)
    }

    func finished(failed didFail: Bool) {
        let remaining = inFlight.subtract(1, ordering: .sequentiallyConsistent).newValue
        if didFail { failed.add(1, ordering: .relaxed) }
        if remaining == 0, waiting.load(ordering: .sequentiallyConsistent) > 0 { resumeWaiters() }
    }

    /// Returns once no request is in flight (at once when none is), or when the task is cancelled.
    func waitUntilIdle() async {
        let id = nextWaiter.add(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                idleWaiters.withLockedValue { $0[id] = continuation }
                waiting.add(1, ordering: .sequentiallyConsistent)
                // Checked after registering: a request that finished in between is not missed.
                if inFlight.load(ordering: .sequentiallyConsistent) == 0 || Task.isCancelled { resume(id) }
            }
        } onCancel: {
            resume(id)
        }
    }

    private func resume(_ id: Int) {
        guard let continuation = idleWaiters.withLockedValue({ $0.removeValue(forKey: id) }) else { return }
        waiting.subtract(1, ordering: .sequentiallyConsistent)
        continuation.resume()
    }

    private func resumeWaiters() {
        let all = idleWaiters.withLockedValue { waiters in
            defer { waiters.removeAll() }
            return waiters
        }
        waiting.subtract(all.count, ordering: .sequentiallyConsistent)
        for continuation in all.values { continuation.resume() }
    }
}
