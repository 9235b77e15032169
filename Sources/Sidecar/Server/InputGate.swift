import NIOCore

/// Stops reading from a client that leaves its answers unread: while the channel is not writable
/// (the outbound buffer is past its high-water mark), the bytes already read are held here, raw,
/// instead of being decoded into requests, and no `read()` reaches the socket.
///
/// It sits before the HTTP decoder, so that what a pipelining client sent ahead costs its raw
/// bytes (at most one read cycle), not a decoded request each; ``PipelineGate`` holds the request
/// already decoded. When the client drains its answers, the gate passes the writability change on
/// first (the held request is answered, which may fill the buffer again), then the held bytes,
/// one read's worth at a time while the channel stays writable.
final class InputGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var held: CircularBuffer<ByteBuffer> = []
    private var readPending = false

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if held.isEmpty, context.channel.isWritable {
            context.fireChannelRead(data)
        } else {
            held.append(unwrapInboundIn(data))
        }
    }

    func read(context: ChannelHandlerContext) {
        if held.isEmpty, context.channel.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        guard context.channel.isWritable else { return }
        var delivered = false
        while context.channel.isWritable, let next = held.popFirst() {
            context.fireChannelRead(wrapInboundOut(next))
            delivered = true
        }
        if delivered { context.fireChannelReadComplete() }
        if held.isEmpty, context.channel.isWritable, readPending {
            readPending = false
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        held.removeAll()
        context.fireChannelInactive()
    }
}
