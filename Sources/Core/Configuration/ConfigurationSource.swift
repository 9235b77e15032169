/// Where an effective setting came from.
public enum ConfigurationSource: Sendable, Equatable, CustomStringConvertible {
    case flag(String)
    case environment(String)
    case file(String)
    case builtIn

    public var description: String {
        switch self {
        case .flag(let name): "flag --\(name)"
        case .environment(let name): "env \(name)"
        case .file(let path): "file \(path)"
        case .builtIn: "default"
        }
    }
}

/// One line of `maxctl config`: a key, its value as text (secrets redacted) and its source.
public struct ConfigurationEntry: Sendable, Equatable {
    public var key: String
    public var value: String
    public var source: ConfigurationSource
}
