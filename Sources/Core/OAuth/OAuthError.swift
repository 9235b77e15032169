/// Why a login or a refresh failed, saying what to do next.
public enum OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pasted `CODE#STATE` is not usable.
    case badPaste(String)
    /// The provider rejected the grant (`invalid_grant`): the code is expired or used, or the
    /// refresh token was spent.
    case invalidGrant(String)
    /// Worth retrying later: the network, a 5xx, or a 429 (with its `retry-after` in seconds).
    case transient(String, retryAfter: Double?)
    /// Any other refusal.
    case rejected(status: Int, String)
    /// The provider's answer could not be understood.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .badPaste(let message): message
        case .invalidGrant(let message): "the authorization server refused the grant (invalid_grant): \(message)"
        case .transient(let message, _): "the authorization server could not be reached or is failing: \(message)"
        case .rejected(let status, let message): "the authorization server answered \(status): \(message)"
        case .malformedResponse(let message): "the authorization server's answer is not understood: \(message)"
        }
    }
}
