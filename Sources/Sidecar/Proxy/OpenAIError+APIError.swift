import MaximizeCore

extension OpenAIError {
    /// The OpenAI form of an error the proxy made in Anthropic's shape.
    init(_ error: APIError) {
        let code: String? =
            switch error.kind {
            case .authentication: "invalid_api_key"
            case .rateLimit: "rate_limit_exceeded"
            case .requestTooLarge: "request_too_large"
            case .notFound: "not_found"
            case .overloaded: "overloaded"
            case .timeout: "timeout"
            default: nil
            }
        self.init(status: error.status, type: error.kind.rawValue, message: error.message, code: code)
    }
}
