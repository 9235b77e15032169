public import MaximizeCore

/// Receives a transfer's events, on the upstream client's thread. Implementations return quickly.
public protocol UpstreamDelegate: AnyObject, Sendable {
    /// The final (non-1xx) response head, as soon as it has arrived.
    func upstreamDidReceiveHead(_ head: UpstreamResponseHead)
    /// A piece of the body. Return `false` to pause the transfer: then the bytes are not consumed,
    /// and are delivered again after ``UpstreamTransfer/resume()``.
    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// The end of the transfer: `nil` on success. Called exactly once.
    func upstreamDidComplete(_ error: UpstreamError?)
}
