import MaximizeCore
import MaximizeCurl
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Carries one transfer's events from the upstream client's thread to the connection's event
/// loop, with back-pressure: when more than ``highWater`` bytes wait to be written to a slow
/// client, the transfer pauses until they drain below ``lowWater``.
///
/// Events are queued and the event loop is woken once per batch: whatever arrived before the
/// loop ran (a head, a body and the end of a small answer, say) is written in one pass and
/// flushed once. Nothing waits for a batch to fill; the first event of a batch wakes the loop.
final class ProxyResponder: UpstreamDelegate {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private enum Event {
        case head(UpstreamResponseHead)
        case body(ByteBuffer)
        case complete(UpstreamError?)
    }

    private struct Queue {
        var events: [Event] = []
        var scheduled = false
    }

    let handler: NIOLoopBound<HTTPHandler>
    let eventLoop: any EventLoop
    /// The exchange's attempt this transfer carries: the handler ignores events of earlier ones.
    let attempt: Int
    let allocator = ByteBufferAllocator()
    private let queue = NIOLockedValueBox(Queue())
    private let pending = Atomic<Int>(0)
    private let paused = Atomic<Bool>(false)

    init(handler: NIOLoopBound<HTTPHandler>, attempt: Int) {
        self.handler = handler
        self.attempt = attempt
        self.eventLoop = handler.eventLoop
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        enqueue(.head(head))
    }

    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if pending.load(ordering: .acquiring) >= Self.highWater {
            paused.store(true, ordering: .sequentiallyConsistent)
            // The writes may have drained meanwhile; if so, take the pause back and go on.
            guard pending.load(ordering: .sequentiallyConsistent) < Self.lowWater,
                paused.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged
            else { return false }
        }
        pending.add(bytes.count, ordering: .sequentiallyConsistent)
        enqueue(.body(allocator.buffer(bytes: bytes)))
        return true
    }

    func upstreamDidComplete(_ error: UpstreamError?) {
        enqueue(.complete(error))
    }

    private func enqueue(_ event: Event) {
        let wake = queue.withLockedValue { queue in
            queue.events.append(event)
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if wake { eventLoop.execute { [self] in drain() } }
    }

    /// On the event loop: hands every queued event to the handler in order, then flushes once.
    private func drain() {
        let events = queue.withLockedValue { queue in
            queue.scheduled = false
            var events: [Event] = []
            swap(&events, &queue.events)
            return events
        }
        let handler = handler.value
        var ended = false
        for event in events {
            switch event {
            case .head(let head):
                handler.upstreamHead(head, attempt: attempt)
            case .body(let buffer):
                let count = buffer.readableBytes
                handler.upstreamBody(buffer, attempt: attempt) { [self] in flushed(count) }
            case .complete(let error):
                handler.upstreamComplete(error, attempt: attempt)
                ended = true
            }
        }
        if !ended { handler.flushResponse() }
    }

    /// Bytes reached the client's socket; resumes a paused transfer once the backlog is small.
    private func flushed(_ count: Int) {
        let now = pending.subtract(count, ordering: .sequentiallyConsistent).newValue
        if now < Self.lowWater, paused.exchange(false, ordering: .sequentiallyConsistent) {
            eventLoop.execute { [handler, attempt] in handler.value.upstreamResumeRequested(attempt: attempt) }
        }
    }
}
