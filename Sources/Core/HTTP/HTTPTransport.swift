/// Sends one request and returns the whole response: what the OAuth client and the model
/// catalog need from HTTP, without naming the client that carries it.
///
/// The daemon's `CurlClient` is one; `maxctl`, which links no HTTP client, uses one that runs
/// `maximize _fetch` beside it.
public protocol HTTPTransport: Sendable {
    /// Sends `request`, collecting at most `limit` bytes of body.
    func send(_ request: UpstreamRequest, limit: Int) async throws(UpstreamError) -> UpstreamResponse
}

/// A whole response: its head and its body.
public struct UpstreamResponse: Sendable {
    public var head: UpstreamResponseHead
    public var body: [UInt8]

    public init(head: UpstreamResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }
}
