import MaximizeCore
import NIOCore
import Synchronization

/// Carries one transfer's events from the upstream client's thread to the connection's event
/// loop, with back-pressure: when more than ``highWater`` bytes wait to be written to a slow
/// client, the transfer pauses until they drain below ``lowWater``.
final class ProxyResponder: UpstreamDelegate {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    let handler: NIOLoopBound<HTTPHandler>
    let exchange: NIOLoopBound<HTTPHandler.Exchange>
    let eventLoop: any EventLoop
    let attempt: Int
    let allocator = ByteBufferAllocator()
    private let pending = Atomic<Int>(0)
    private let paused = Atomic<Bool>(false)

    init(handler: NIOLoopBound<HTTPHandler>, exchange: HTTPHandler.Exchange, attempt: Int) {
        self.handler = handler
        self.attempt = attempt
        self.eventLoop = handler.eventLoop
        self.exchange = NIOLoopBound(exchange, eventLoop: handler.eventLoop)
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        eventLoop.execute { [handler, exchange, attempt] in
            handler.value.upstreamHead(head, for: exchange.value, attempt: attempt)
        }
    }

    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if pending.load(ordering: .acquiring) >= Self.highWater {
            paused.store(true, ordering: .sequentiallyConsistent)
            // The writes may have drained meanwhile; if so, take the pause back and go on.
            guard pending.load(ordering: .sequentiallyConsistent) < Self.lowWater,
                paused.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged
            else { return false }
        }
        let buffer = allocator.buffer(bytes: bytes)
        let count = bytes.count
        pending.add(count, ordering: .sequentiallyConsistent)
        eventLoop.execute { [handler, exchange, attempt] in
            handler.value.upstreamBody(buffer, for: exchange.value, attempt: attempt) { [self] in self.flushed(count) }
        }
        return true
    }

    func upstreamDidComplete(_ error: UpstreamError?) {
        eventLoop.execute { [handler, exchange, attempt] in
            handler.value.upstreamComplete(error, for: exchange.value, attempt: attempt)
        }
    }

    /// Bytes reached the client's socket; resumes a paused transfer once the backlog is small.
    private func flushed(_ count: Int) {
        let now = pending.subtract(count, ordering: .sequentiallyConsistent).newValue
        if now < Self.lowWater, paused.exchange(false, ordering: .sequentiallyConsistent) {
            eventLoop.execute { [exchange] in exchange.value.transfer?.resume() }
        }
    }
}
