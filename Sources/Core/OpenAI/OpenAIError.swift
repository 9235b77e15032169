/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var message: String
    public var param: String?
    public var code: String?

    public init(status: Int = 400, type: String = "invalid_request_error", message: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.code = code
    }

    public var description: String { "\(status) \(type): \(message)" }

    public var json: JSONValue {
        [
            "error": [
                "message": .string(message), "type": .string(type), "param": param.map { .string($0) } ?? .null,
                "code": code.map { .string($0) } ?? .null,
            ]
        ]
    }

    public var body: [UInt8] { json.serialized() }

    /// The OpenAI form of an upstream error body in Anthropic's shape (or anything else).
    public init(upstreamStatus status: Int, body: [UInt8]) {
        let json = try? JSONParser.parse(body)
        let type = json?["error"]?["type"]?.stringValue ?? (status >= 500 ? "api_error" : "invalid_request_error")
        let message = json?["error"]?["message"]?.stringValue ?? "the upstream answered \(status)"
        self.init(status: status, type: type, message: message, code: type)
    }
}
