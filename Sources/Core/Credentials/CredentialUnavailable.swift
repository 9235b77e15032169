/// Why no credential can be used for a request now; every message says what to do next.
///
/// A domain error: the daemon maps it to the HTTP error its clients get.
public enum CredentialUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing usable is held: no file, an unreadable or invalid one (`reason` says which).
    case noCredentials(reason: String)
    /// The access token expired and the refresh token was refused (`invalid_grant`).
    case refreshRejected(lastError: String)
    /// The access token expired and there is no refresh token.
    case expired(path: String)

    public var message: String {
        switch self {
        case .noCredentials(let reason):
            "maximize has no usable credentials: \(reason)"
        case .refreshRejected(let lastError):
            "the refresh token was rejected (\(lastError)); run `maxctl login`"
        case .expired(let path):
            CredentialError.expired(path: path).description
        }
    }

    public var description: String { message }
}
