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

    /// The credential `MAXIMIZE_UPSTREAM_API_KEY`, or `MAXIMIZE_ACCESS_TOKEN` with
    /// `MAXIMIZE_REFRESH_TOKEN` (and `MAXIMIZE_TOKEN_EXPIRES_AT`), name; `nil` when none is set.
    public init?(environment: [String: String]) {
        if let key = environment["MAXIMIZE_UPSTREAM_API_KEY"], !key.isEmpty {
            self = .apiKey(Secret(key))
        } else if let access = environment["MAXIMIZE_ACCESS_TOKEN"], !access.isEmpty {
            let refresh = environment["MAXIMIZE_REFRESH_TOKEN"].flatMap { $0.isEmpty ? nil : Secret($0) }
            let expiry = environment["MAXIMIZE_TOKEN_EXPIRES_AT"].flatMap(Double.init)
                .flatMap { (0...TokenFile.maximumExpiry).contains($0) ? $0 : nil }
            self = .oauth(OAuthToken(accessToken: Secret(access), refreshToken: refresh, expiresAt: expiry))
        } else {
            return nil
        }
    }

    /// Every secret value it holds, for redaction from text that came from outside.
    public var secrets: [Secret] {
        switch self {
        case .oauth(let token): [token.accessToken] + (token.refreshToken.map { [$0] } ?? [])
        case .apiKey(let key): [key]
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
    /// When the access token was issued, in Unix seconds; tells its lifetime.
    public var obtainedAt: Double?

    public init(
        accessToken: Secret,
        refreshToken: Secret?,
        expiresAt: Double?,
        scopes: [String]? = nil,
        subscriptionType: String? = nil,
        obtainedAt: Double? = nil
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.subscriptionType = subscriptionType
        self.obtainedAt = obtainedAt
    }

    /// Whether the access token has expired at `now` (Unix seconds), with `margin` seconds to spare.
    public func isExpired(now: Double, margin: Double = 0) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt - margin <= now
    }

    /// How long before expiry a refresh is due: a fifth of the token's lifetime, at least
    /// five minutes, but never more than half the lifetime (so short-lived tokens are not
    /// refreshed back to back). Tokens of unknown lifetime are taken to live eight hours.
    public var refreshMargin: Double {
        let lifetime: Double
        if let expiresAt, let obtainedAt, expiresAt > obtainedAt {
            lifetime = expiresAt - obtainedAt
        } else {
            lifetime = 8 * 3600
        }
        return max(0.2 * lifetime, min(300, 0.5 * lifetime))
    }

    /// When a refresh is due, in Unix seconds; `nil` when it never is (no expiry or no refresh token).
    public var refreshDueAt: Double? {
        guard let expiresAt, refreshToken != nil else { return nil }
        return expiresAt - refreshMargin
    }

    /// Whether a refresh is due at `now`.
    public func needsRefresh(now: Double) -> Bool {
        guard let due = refreshDueAt else { return false }
        return due <= now
    }
}
