/// A request body rewritten for the upstream, with what the proxy learned reading it.
public struct ShapedRequest: Sendable {
    public var body: [UInt8]
    /// The model the client named (`nil` when it named none).
    public var requestedModel: String?
    /// The model id sent upstream.
    public var model: String
    public var stream: Bool
    /// Top-level fields the proxy changed, added or removed, for debug logs.
    public var changes: [String]
}

/// The Messages API routes the shaper knows.
public enum MessagesEndpoint: Sendable {
    case messages
    case countTokens

    public var path: String {
        switch self {
        case .messages: "/v1/messages"
        case .countTokens: "/v1/messages/count_tokens"
        }
    }
}
