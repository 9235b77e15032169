import NIOCore
import NIOHTTP1

/// Bounds what a connection's pipelined requests can cost: the next request is not served while
/// the client leaves its earlier answers unread.
///
/// NIO's `HTTPServerPipelineHandler` hands on one request at a time, but it hands on the next as
/// soon as an answer is written, not sent; a client that pipelines thousands of requests and never
/// reads would have every answer queued in memory. Placed between that handler and
/// ``HTTPHandler``, this gate holds a request head that arrives while the channel is not writable
/// (the outbound buffer is past its high-water mark), with the rest of that request, and passes no
/// `read()` while it holds one (``InputGate`` keeps the bytes already read, undecoded). Once the
/// client reads enough for the channel to be writable again, the held request goes on. A client
/// that reads nothing is disconnected by the read timeout like any idle connection.
///
/// A request handed on while the previous answer is being written (the pipelining handler
/// delivers it from inside that write) is held too and goes on at the next turn of the event
/// loop: answering thousands of pipelined requests never nests one in another on the stack.
final class PipelineGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The parts of the request held back (one request: the next is not handed on before it is answered).
    private var held: CircularBuffer<NIOAny> = []
    private var holding = false
    private var readPending = false
    /// How many of our deliveries are on the stack now.
    private var depth = 0
    private var releaseScheduled = false

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !holding, case .head = unwrapInboundIn(data), depth > 0 || !context.channel.isWritable {
            holding = true
            if context.channel.isWritable { scheduleRelease(context: context) }
        }
        if holding {
            held.append(data)
        } else {
            deliver(data, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { release(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if holding {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        held.removeAll()
        holding = false
        context.fireChannelInactive()
    }

    private func deliver(_ data: NIOAny, context: ChannelHandlerContext) {
        depth += 1
        context.fireChannelRead(data)
        depth -= 1
    }

    private func scheduleRelease(context: ChannelHandlerContext) {
        guard !releaseScheduled else { return }
        releaseScheduled = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (gate, context) = bound.value
            gate.releaseScheduled = false
            gate.release(context: context)
        }
    }

    /// Hands on the held request when the channel is writable; answering it may hold the next.
    private func release(context: ChannelHandlerContext) {
        guard holding, context.channel.isActive, context.channel.isWritable else { return }
        guard depth == 0 else {
            scheduleRelease(context: context)
            return
        }
        holding = false
        while !holding, let next = held.popFirst() {
            deliver(next, context: context)
        }
        context.fireChannelReadComplete()
        if !holding, readPending {
            readPending = false
            context.read()
        }
    }
}
