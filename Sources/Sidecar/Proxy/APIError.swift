import MaximizeCore

/// An error the proxy itself answers with, in Anthropic's shape:
/// `{"type":"error","error":{"type":"invalid_request_error","message":"..."}}`.
struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case invalidRequest = "invalid_request_error"
        case authentication = "authentication_error"
        case notFound = "not_found_error"
        case requestTooLarge = "request_too_large"
        case rateLimit = "rate_limit_error"
        case api = "api_error"
        case timeout = "timeout_error"
        case overloaded = "overloaded_error"
    }

    var kind: Kind
    var status: Int
    var message: String
    /// Seconds for a `retry-after` header, when the client should come back later.
    var retryAfter: Int? = nil

    init(_ kind: Kind, status: Int? = nil, _ message: String) {
        self.kind = kind
        self.message = message
        self.status = status ?? kind.defaultStatus
    }

    var description: String { "\(status) \(kind.rawValue): \(message)" }

    /// The JSON body.
    var body: [UInt8] {
        let value: JSONValue = [
            "type": "error",
            "error": ["type": .string(kind.rawValue), "message": .string(message)],
        ]
        return value.serialized()
    }

    /// The error as a server-sent event, for failures after a stream has begun.
    var serverSentEvent: [UInt8] {
        Array("event: error\ndata: ".utf8) + body + Array("\n\n".utf8)
    }

    /// The client-facing error for a failed upstream transfer.
    init(upstream error: UpstreamError) {
        switch error.kind {
        case .timeout:
            self.init(.timeout, "the upstream did not answer in time (api.request_timeout): \(error.message)")
        case .tls:
            self.init(
                .api,
                status: 502,
                "TLS with the upstream failed: \(error.message); check api.base_url and api.ca_file"
            )
        case .connect:
            self.init(.api, status: 502, "the upstream is unreachable: \(error.message)")
        case .transfer, .cancelled:
            self.init(.api, status: 502, "the upstream connection failed: \(error.message)")
        }
    }
}

extension APIError.Kind {
    var defaultStatus: Int {
        switch self {
        case .invalidRequest: 400
        case .authentication: 401
        case .notFound: 404
        case .requestTooLarge: 413
        case .rateLimit: 429
        case .api: 500
        case .timeout: 504
        case .overloaded: 529
        }
    }
}
