import Glibc
public import MaximizeCore
import Synchronization

/// The upstream HTTP client: one dedicated thread owns a libcurl multi handle and every easy
/// handle; requests, cancellations and resumptions reach it through a queue and an eventfd.
///
/// The thread runs libcurl's event-driven interface (`curl_multi_socket_action` over epoll), so
/// the cost of an event does not grow with the number of open transfers. Connections are cached
/// and reused across requests, and HTTP/2 streams are multiplexed over one connection when the
/// upstream speaks it.
///
/// The client itself holds only what other threads may touch (the ``CurlMailbox`` and the thread
/// handle); the libcurl state is a ``CurlLoop`` that the thread creates and never hands out, so
/// the compiler keeps it on that thread.
public final class CurlClient: Sendable {
    private let mailbox = CurlMailbox()
    private let stopped = Atomic<Bool>(false)
    private let thread: pthread_t

    public init() {
        _ = CurlLoop.globalInit
        var thread = pthread_t()
        let box = Unmanaged.passRetained(mailbox).toOpaque()
        pthread_create(
            &thread,
            nil,
            { argument in
                let mailbox = Unmanaged<CurlMailbox>.fromOpaque(argument!).takeRetainedValue()
                CurlLoop(mailbox: mailbox).run()
                return nil
            },
            box
        )
        self.thread = thread
    }

    /// Starts `request`; `delegate` hears its events on the client's thread.
    public func start(_ request: UpstreamRequest, delegate: any UpstreamDelegate) -> UpstreamTransfer {
        let id = mailbox.nextID()
        mailbox.post(.add(id: id, request: request, delegate: delegate))
        return UpstreamTransfer(id: id, mailbox: mailbox)
    }

    /// Cancels every transfer and stops the thread.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        mailbox.post(.shutdown)
        pthread_join(thread, nil)
    }

    /// How many times the client's thread has gone round its loop. The loop wakes at least once a
    /// second even when idle, so a count that stops moving means the thread is wedged.
    public var loopTurns: UInt64 { mailbox.turns.load(ordering: .relaxed) }
}
