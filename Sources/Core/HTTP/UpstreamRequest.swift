/// A request for the upstream API.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Whole-transfer timeout, in seconds.
    public var timeout: Double
    /// PEM bundle to verify the upstream with; `nil` uses the system's.
    public var caFile: String?
    public var httpVersion: HTTPVersionPreference = .auto

    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)],
        body: [UInt8]? = nil,
        timeout: Double,
        caFile: String? = nil,
        httpVersion: HTTPVersionPreference = .auto
    ) {
        self.httpVersion = httpVersion
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.caFile = caFile
    }
}

/// Which HTTP version to speak upstream (`api.http_version`).
public enum HTTPVersionPreference: String, Sendable, CaseIterable {
    /// HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1.
    case auto
    /// HTTP/1.1 only.
    case http1 = "1.1"
    /// HTTP/2 always: over TLS, or cleartext with prior knowledge (h2c) for `http://` URLs.
    case http2 = "2"
}

/// The status line and headers of an upstream response.
public struct UpstreamResponseHead: Sendable {
    public var status: Int
    /// Header names are lower-cased.
    public var headers: [(name: String, value: String)]
    /// The status line's reason phrase; empty when it had none (HTTP/2).
    public var reason: String

    public init(status: Int, headers: [(name: String, value: String)], reason: String = "") {
        self.status = status
        self.headers = headers
        self.reason = reason
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }
}

/// Why an upstream transfer failed.
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing reached the upstream: DNS, refused, unreachable.
        case connect
        /// The upstream's certificate was not trusted, or TLS failed.
        case tls
        /// `api.request_timeout` passed.
        case timeout
        /// The connection broke or the response was malformed.
        case transfer
        /// The transfer was cancelled (the client went away).
        case cancelled
    }

    public var kind: Kind
    /// libcurl's explanation; never holds request headers.
    public var message: String
    public var curlCode: Int

    public init(kind: Kind, message: String, curlCode: Int = 0) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String { message }
}
