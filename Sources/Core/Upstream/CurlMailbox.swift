import CCurlShim
import Glibc
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization

/// What other threads share with the libcurl thread: the queue of commands, the eventfd that wakes
/// the thread when one is queued, and the counters. Everything else lives in the thread's own
/// ``CurlLoop``.
///
/// The eventfd is closed when the last holder lets go (the client, the thread, every
/// ``UpstreamTransfer``), so a late `resume()` or `cancel()` never writes to a closed or reused
/// descriptor.
final class CurlMailbox: Sendable {
    /// A request to the libcurl thread. Transfers are named by id: the thread's own
    /// ``CurlTransfer`` objects never leave it.
    enum Command: Sendable {
        case add(id: UInt64, request: UpstreamRequest, delegate: any UpstreamDelegate)
        case cancel(id: UInt64)
        case resume(id: UInt64)
        case shutdown
    }

    /// Readable when commands are queued; the thread's epoll watches it.
    let wakeup: Int32
    /// Turns of the thread's loop (``CurlClient/loopTurns``).
    let turns = Atomic<UInt64>(0)
    private let queue = NIOLockedValueBox<[Command]>([])
    private let lastID = Atomic<UInt64>(0)

    init() {
        wakeup = mx_eventfd_create()
    }

    deinit {
        close(wakeup)
    }

    /// A transfer id not used before.
    func nextID() -> UInt64 {
        lastID.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Queues `command` and wakes the thread.
    func post(_ command: Command) {
        queue.withLockedValue { $0.append(command) }
        mx_eventfd_signal(wakeup)
    }

    /// Everything queued since the last call, in order (libcurl thread).
    func take() -> [Command] {
        queue.withLockedValue { queue in
            var taken: [Command] = []
            swap(&taken, &queue)
            return taken
        }
    }
}
