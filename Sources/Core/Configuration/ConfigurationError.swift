/// A configuration value that cannot be used, naming where it came from and what is wrong.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Where the value came from: a file path, `environment variable PORT` or `flag --port`.
    public var origin: String
    /// The dotted key (`server.port`), when the problem is one value.
    public var key: String?
    public var message: String

    public init(origin: String, key: String? = nil, message: String) {
        self.origin = origin
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(origin): \(key): \(message)" }
        return "\(origin): \(message)"
    }
}
