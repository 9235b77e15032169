/// The handle a caller keeps for a transfer it started.
public struct UpstreamTransfer: Sendable {
    let id: UInt64
    let mailbox: CurlMailbox

    /// Stops the transfer; the delegate hears `.cancelled` unless it had already completed.
    public func cancel() {
        mailbox.post(.cancel(id: id))
    }

    /// Continues a transfer paused by the delegate.
    public func resume() {
        mailbox.post(.resume(id: id))
    }
}
