import MaximizeCore

/// The daemon's routes, the same on the Unix socket and on TCP.
enum Route: Sendable, Equatable {
    case healthz
    case readyz
    case authStatus
    case metrics
    case models
    /// `GET /v1/models/{id}`: one model, `id` the path segment as the client sent it.
    case model(id: String)
    case messages(MessagesEndpoint)
    case chatCompletions
    /// `POST /v1/responses`: OpenAI's Responses API, stateless.
    case responses
    /// A known path with another method.
    case wrongMethod(allowed: String)
    case notFound

    init(method: String, uri: String) {
        var path = Substring(uri)
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        if path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        let (route, allowed): (Route, String)
        switch path {
        case "/healthz": (route, allowed) = (.healthz, "GET")
        case "/readyz": (route, allowed) = (.readyz, "GET")
        case "/auth/status": (route, allowed) = (.authStatus, "GET")
        case "/metrics": (route, allowed) = (.metrics, "GET")
        case "/v1/models": (route, allowed) = (.models, "GET")
        case "/v1/messages": (route, allowed) = (.messages(.messages), "POST")
        case "/v1/messages/count_tokens": (route, allowed) = (.messages(.countTokens), "POST")
        case "/v1/chat/completions": (route, allowed) = (.chatCompletions, "POST")
        case "/v1/responses": (route, allowed) = (.responses, "POST")
        default:
            guard let id = Self.modelID(in: path) else {
                self = .notFound
                return
            }
            (route, allowed) = (.model(id: id), "GET")
        }
        if method == allowed || (allowed == "GET" && method == "HEAD") {
            self = route
        } else {
            self = .wrongMethod(allowed: allowed == "GET" ? "GET, HEAD" : allowed)
        }
    }

    /// The `{id}` of `/v1/models/{id}`: one non-empty segment, not a dot segment (libcurl would
    /// resolve `..` to another path), of RFC 3986's path characters.
    static func modelID(in path: Substring) -> String? {
        let prefix = "/v1/models/"
        guard path.hasPrefix(prefix) else { return nil }
        let id = path.dropFirst(prefix.count)
        guard !id.isEmpty, id != ".", id != "..",
            id.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: Array("-._~%!$&'()*+,;=:@".utf8).contains(byte)
                }
            })
        else { return nil }
        return String(id)
    }

    /// The query of `uri` as the client sent it (`?beta=true`), for the upstream; `""` when there
    /// is none. The parser has already refused control characters and spaces; anything else
    /// outside visible ASCII drops the query rather than forwarding it.
    static func query(of uri: String) -> String {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return "" }
        var query = uri.utf8[mark...]
        if let fragment = query.firstIndex(of: UInt8(ascii: "#")) { query = query[..<fragment] }
        guard query.count > 1, query.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return "" }
        return String(decoding: query, as: UTF8.self)
    }

    /// The model catalog (`/v1/models` and `/v1/models/{id}`): fetched upstream, answered whole.
    var readsModels: Bool {
        switch self {
        case .models, .model: true
        default: false
        }
    }

    /// Whether the route reads a request body.
    var takesBody: Bool {
        switch self {
        case .messages, .chatCompletions, .responses: true
        default: false
        }
    }

    /// Whether the route speaks OpenAI's API (its requests translated, its errors in OpenAI's shape).
    var speaksOpenAI: Bool {
        switch self {
        case .chatCompletions, .responses: true
        default: false
        }
    }

    /// Whether the route asks the model for an answer (`/v1/messages`, and the OpenAI routes):
    /// the requests a rate-limit cooldown answers locally.
    var sendsMessages: Bool {
        switch self {
        case .messages(.messages), .chatCompletions, .responses: true
        default: false
        }
    }

    /// A short label for logs and metrics.
    var label: String {
        switch self {
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .authStatus: "/auth/status"
        case .metrics: "/metrics"
        case .models: "/v1/models"
        // Never the id: labels stay bounded whatever clients ask for.
        case .model: "/v1/models/{id}"
        case .messages(let endpoint): endpoint.path
        case .chatCompletions: "/v1/chat/completions"
        case .responses: "/v1/responses"
        case .wrongMethod: "wrong_method"
        case .notFound: "not_found"
        }
    }
}
