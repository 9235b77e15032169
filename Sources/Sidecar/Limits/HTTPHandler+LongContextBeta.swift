import Logging
import MaximizeCore
import NIOCore

/// An error answer held back until its body is complete (see ``HTTPHandler/holdsBack(_:attempt:)``).
struct HeldError {
    var head: UpstreamResponseHead
    var attempt: Int
    var body: ByteBuffer
}

extension HTTPHandler {
    /// The headers for the current attempt: without the long-context beta once it was refused.
    func longContextHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        guard let exchange else { return headers }
        let result = exchange.droppedLongContextBeta ? LongContextBeta.removing(from: headers).headers : headers
        exchange.carriesLongContextBeta = LongContextBeta.present(in: result)
        return result
    }

    /// With `limits.drop_unavailable_betas`, a 400 or 429 to a Messages request that asks for
    /// the long-context beta is held back, not sent to the client, until its body shows whether
    /// it refuses the beta. Returns whether `head` was held.
    func holdsBack(_ head: UpstreamResponseHead, attempt: Int) -> Bool {
        guard let exchange, head.status == 400 || head.status == 429, exchange.carriesLongContextBeta,
            !exchange.droppedLongContextBeta, exchange.route.sendsMessages,
            exchange.configuration.settings.limits.dropUnavailableBetas, machine.awaitsHead(attempt: attempt),
            let context
        else { return false }
        exchange.heldError = HeldError(head: head, attempt: attempt, body: context.channel.allocator.buffer(capacity: 512))
        return true
    }

    /// Keeps a chunk of a held error's body; past ``LongContextBeta/maximumBodyBytes`` it is no
    /// refusal: the answer goes to the client as it came. Returns whether the chunk was taken.
    func hold(_ buffer: ByteBuffer, attempt: Int) -> Bool {
        guard let exchange, var held = exchange.heldError, held.attempt == attempt else { return false }
        var chunk = buffer
        held.body.writeBuffer(&chunk)
        exchange.heldError = held
        if held.body.readableBytes > LongContextBeta.maximumBodyBytes { release(held) }
        return true
    }

    /// The held error's end: a refusal of the beta is retried without it (once); anything else
    /// goes to the client as it came. Returns whether the exchange was retried.
    func retriesWithoutLongContextBeta(_ error: UpstreamError?, attempt: Int) -> Bool {
        guard let exchange, let held = exchange.heldError, held.attempt == attempt else { return false }
        let body = Array(held.body.readableBytesView)
        guard error == nil, LongContextBeta.refused(status: held.head.status, body: body) else {
            release(held)
            return false
        }
        exchange.heldError = nil
        exchange.transfer = nil
        exchange.droppedLongContextBeta = true
        exchange.access.retries.append(.longContext)
        let logger = exchange.configuration.logger
        // The refusal's limits are kept; it starts no cooldown (the retry may well succeed).
        daemon.limits.observe(
            held.head,
            messages: false,
            sentSerial: exchange.limitSerial,
            limits: exchange.configuration.settings.limits,
            logger: logger,
            now: WallClock.now()
        )
        if daemon.limits.droppedLongContextBeta() {
            logger.warning(
                "the upstream refused the long-context beta (context-1m-*) for this credential; such requests are retried once without it (limits.drop_unavailable_betas; logged once)",
                metadata: ["status": "\(held.head.status)"]
            )
        }
        // The refused transfer has ended: the same attempt number carries the retry.
        startUpstream(attempt: attempt)
        return true
    }

    /// Sends a held error on as it came: head (with the usual bookkeeping), then its body so far.
    func release(_ held: HeldError) {
        exchange?.heldError = nil
        upstreamHead(held.head, attempt: held.attempt, mayHold: false)
        if held.body.readableBytes > 0 { upstreamBody(held.body, attempt: held.attempt) {} }
    }
}
