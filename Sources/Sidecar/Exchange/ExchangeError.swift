import MaximizeCore

/// An error response the proxy makes itself, before any upstream byte reached the client: in
/// Anthropic's shape, or in OpenAI's for a request that OpenAI translation rejected.
enum ExchangeError: Error, Sendable, Equatable {
    case api(APIError)
    case openAI(OpenAIError)

    var status: Int {
        switch self {
        case .api(let error): error.status
        case .openAI(let error): error.status
        }
    }

    /// A short name for logs.
    var label: String {
        switch self {
        case .api(let error): error.kind.rawValue
        case .openAI(let error): error.type
        }
    }

    /// The JSON body for `route`: OpenAI's shape on the OpenAI routes, Anthropic's elsewhere.
    func body(for route: Route) -> [UInt8] {
        switch self {
        case .api(let error): route.speaksOpenAI ? OpenAIError(error).body : error.body
        case .openAI(let error): error.body
        }
    }
}
