import MaximizeCore
import MaximizeCurl

/// Where the handler starts upstream transfers: libcurl in the daemon (``CurlTransport``), a
/// fake in tests.
protocol UpstreamTransport: Sendable {
    /// Starts `request`; `delegate` hears its events on the transport's thread.
    func start(_ request: UpstreamRequest, delegate: any UpstreamDelegate) -> any UpstreamTransferControl
}

/// A started transfer.
protocol UpstreamTransferControl: Sendable {
    /// Stops the transfer; its delegate hears a `cancelled` completion.
    func cancel()
    /// Resumes a transfer its delegate paused.
    func resume()
}

extension UpstreamTransfer: UpstreamTransferControl {}

/// The daemon's transport: the shared libcurl client.
struct CurlTransport: UpstreamTransport {
    let client: CurlClient

    func start(_ request: UpstreamRequest, delegate: any UpstreamDelegate) -> any UpstreamTransferControl {
        client.start(request, delegate: delegate)
    }
}
