/// Why credentials cannot be read or used; every message says what to do next.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidFile(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case notLoggedIn(path: String)
    case expired(path: String)
    /// A shared store (a database) cannot be reached; what is held in memory keeps being used.
    case storeUnavailable(location: String, reason: String)

    public var description: String {
        switch self {
        case .invalidFile(let path, let reason):
            "\(path) \(reason); run `maxctl login` or `maxctl import FILE` to replace it"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .notLoggedIn(let path):
            "no credentials in \(path); run `maxctl login` or `maxctl import FILE`"
        case .expired(let path):
            "the access token in \(path) has expired and cannot be refreshed; run `maxctl login`"
        case .storeUnavailable(let location, let reason):
            "the credential store \(location) cannot be reached (\(reason)); the credential held in memory keeps being used "
                + "until it can be read again"
        }
    }
}
