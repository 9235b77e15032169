/// A request the proxy cannot forward, with a message for the client (Anthropic's `invalid_request_error`).
public struct ShapingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
