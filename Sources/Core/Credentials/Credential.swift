/// What the daemon authenticates upstream with.
public enum Credential: Sendable, Equatable {
    /// A Claude subscription's OAuth tokens, sent as `Authorization: Bearer`.
    case oauth(OAuthToken)
    /// An Anthropic API key, sent as `x-api-key`.
    case apiKey(Secret)

    public var kind: CredentialKind {
        switch self {
        case .oauth: .oauth
        case .apiKey: .apiKey
        }
    }
}

/// The contract's credential kinds, as `status.json` and `/auth/status` name them.
public enum CredentialKind: String, Sendable {
    case oauth
    case apiKey = "api_key"
    case none
}

/// An OAuth access token and what comes with it.
public struct OAuthToken: Sendable, Equatable {
    public var accessToken: Secret
    public var refreshToken: Secret?
    /// Expiry of the access token, in Unix seconds; `nil` when unknown.
    public var expiresAt: Double?
    public var scopes: [String]?
    public var subscriptionType: String?

    public init(
        accessToken: Secret,
        refreshToken: Secret?,
        expiresAt: Double?,
        scopes: [String]? = nil,
        subscriptionType: String? = nil
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.subscriptionType = subscriptionType
    }

    /// Whether the access token has expired at `now` (Unix seconds), with `margin` seconds to spare.
    public func isExpired(now: Double, margin: Double = 0) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt - margin <= now
    }
}
