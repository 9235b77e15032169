import Glibc
import MaximizeCore
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras

extension ProxyServer {
    /// Stops accepting and quiesces every connection, with NIOExtras' `ServerQuiescingHelper`:
    /// the listeners close and the socket file is removed; each connection gets
    /// `ChannelShouldQuiesceEvent`, on which NIO's `HTTPServerPipelineHandler` closes an idle
    /// kept-alive connection at once, gives a response that starts from now on
    /// `connection: close`, and closes the connection after the response in flight ends.
    ///
    /// Returns when every connection of the current listeners has closed, or the task is
    /// cancelled. Connections of listeners a reload replaced are quiesced too; the caller waits
    /// for their requests through the in-flight count.
    func quiesce() async {
        let old = bound.withLockedValue { bound in
            defer { bound = Bound() }
            return bound
        }
        for helper in old.retired { helper.initiateShutdown(promise: nil) }
        var done: [EventLoopFuture<Void>] = []
        for listener in [old.socket?.listener, old.tcp?.listener].compactMap({ $0 }) {
            let promise = listener.channel.eventLoop.makePromise(of: Void.self)
            listener.quiescing.initiateShutdown(promise: promise)
            done.append(promise.futureResult)
        }
        // Once the listener is closing, nothing new reaches the path: remove it at once.
        if let socket = old.socket { unlink(socket.path) }
        for future in done { await Self.waitUnlessCancelled(future) }
    }

    /// Waits for `future` to complete, or for the task to be cancelled, whichever comes first
    /// (`EventLoopFuture.get()` ignores cancellation, and a drain's wait is bounded).
    static func waitUnlessCancelled(_ future: EventLoopFuture<Void>) async {
        let state = NIOLockedValueBox<(waiter: CheckedContinuation<Void, Never>?, over: Bool)>((nil, false))
        let finish: @Sendable () -> Void = {
            state.withLockedValue { state in
                state.over = true
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let over = state.withLockedValue { state in
                    if !state.over { state.waiter = continuation }
                    return state.over
                }
                if over { continuation.resume() } else { future.whenComplete { _ in finish() } }
            }
        } onCancel: {
            finish()
        }
    }
}
