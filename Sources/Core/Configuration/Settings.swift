/// The effective configuration: every value resolved from flags, environment, `config.json` and
/// built-in defaults.
public struct Settings: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        /// `nil` when the socket is disabled (`""`).
        public var socketPath: String?
        public var socketMode: UInt32
        public var port: Int?
        public var bindAddress: String
        public var apiKey: Secret?
        public var logLevel: LogLevel
        public var maxBodyBytes: Int
        /// `server.max_buffered_bytes`: the request bytes every connection together may hold in
        /// memory; past it a request is refused with `529 overloaded_error`.
        public var maxBufferedBytes: Int = Defaults.maxBufferedBytes
        public var drainGraceSeconds: Double
        public var drainTimeoutSeconds: Double
        /// How long a connection may wait for the rest of a request, or for its next request.
        public var readTimeoutSeconds: Double
        /// `server.log_format`: text or one JSON object per line.
        public var logFormat: LogFormat = .text
        /// `server.access_log`: one `info` line per proxied request.
        public var accessLog = true
    }

    public struct Models: Sendable, Equatable {
        public var defaultModel: String
        /// Built-in nicknames with `models.nicknames` merged over them.
        public var nicknames: [String: String]
        /// Which path an OpenAI `response_format` takes (`models.structured_outputs`).
        public var structuredOutputs: StructuredOutput.Rule = .auto
    }

    public struct API: Sendable, Equatable {
        public var baseURL: String
        public var requestTimeout: Double
        public var caFile: String?
        public var httpVersion: HTTPVersionPreference
        public var identityText: String
        /// Lines that mark a `system` as already carrying an identity (`api.identity_markers`).
        public var identityMarkers: [String] = Defaults.identityMarkers
        public var betas: [String]
        public var userAgent: String
        /// Extra headers sent upstream with OAuth credentials, in order.
        public var headers: [(name: String, value: String)]
        /// How many times a `529 overloaded` answer is retried before it reaches the client (0: never).
        public var overloadRetries = 0
        /// The first wait before such a retry, doubled for each next one, unless `retry-after` says otherwise.
        public var overloadBackoffSeconds = 1.0

        public static func == (lhs: API, rhs: API) -> Bool {
            lhs.baseURL == rhs.baseURL && lhs.requestTimeout == rhs.requestTimeout && lhs.caFile == rhs.caFile
                && lhs.overloadRetries == rhs.overloadRetries && lhs.overloadBackoffSeconds == rhs.overloadBackoffSeconds
                && lhs.httpVersion == rhs.httpVersion
                && lhs.identityText == rhs.identityText && lhs.identityMarkers == rhs.identityMarkers && lhs.betas == rhs.betas
                && lhs.userAgent == rhs.userAgent
                && lhs.headers.map(\.name) == rhs.headers.map(\.name)
                && lhs.headers.map(\.value) == rhs.headers.map(\.value)
        }
    }

    public struct OAuth: Sendable, Equatable {
        public var tokenURL: String
        public var authorizeURL: String
        public var clientID: String
        public var redirectURI: String
        public var scopes: String
    }

    public struct Storage: Sendable, Equatable {
        public var tokenFile: String
        public var seedTokenFile: String?
        public var backend: StorageBackend = .file
        /// libpq-style URL (`postgresql://user@host:port/db?sslmode=...`), for `postgres`.
        public var postgresURL: String?
        /// A file holding the database password (a Kubernetes Secret), read at start.
        public var postgresPasswordFile: String?
        /// The credential's row in a shared store, so several deployments can share a database.
        public var credentialName: String = "default"
    }

    /// Where the credentials are kept.
    public enum StorageBackend: String, Sendable, Equatable, CaseIterable {
        /// `tokens.json` with its `flock`: one machine.
        case file
        /// A PostgreSQL table shared by replicas, refreshed under the row's lock.
        case postgres
    }

    /// Rate limits (`limits.*`).
    public struct Limits: Sendable, Equatable {
        /// After the upstream rejects for rate limits, answer 429 locally until the reset.
        public var localCooldown = true
        /// The cap on any `retry-after` or reset honoured.
        public var maxCooldownSeconds = 3600.0
        /// Retry once without a `context-1m-*` beta the subscription refuses.
        public var dropUnavailableBetas = true

        public init() {}
    }

    public var server: Server
    public var models: Models
    public var api: API
    public var oauth: OAuth
    public var storage: Storage
    public var limits = Limits()

    /// Resolves a model nickname to its model id; other names pass through unchanged.
    public func resolveModel(_ name: String) -> String {
        models.nicknames[name] ?? name
    }
}

/// Log verbosity, as `server.log_level` names it.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case trace, debug, info, notice, warning, error, critical

    private var rank: Int { LogLevel.allCases.firstIndex(of: self)! }
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Built-in defaults: Claude Code's client and the current model line-up.
public enum Defaults {
    /// Nicknames from smallest to largest, as the seeds' scale has them.
    public static let nicknames: [String: String] = [
        "xs": "claude-haiku-4-5",
        "s": "claude-sonnet-4-5",
        "m": "claude-sonnet-4-6",
        "l": "claude-sonnet-5",
        "xl": "claude-opus-4-8",
        "xxl": "claude-opus-5",
    ]
    public static let nicknameOrder = ["xs", "s", "m", "l", "xl", "xxl"]
    public static let defaultModel = "l"
    public static let baseURL = "https://api.anthropic.com"
    public static let requestTimeout = 600.0
    public static let identityText = "You are Claude Code, Anthropic's official CLI for Claude."
    /// Claude Code's identity line and the Claude Agent SDK's.
    public static let identityMarkers = [
        "You are Claude Code, Anthropic's official CLI for Claude.",
        "You are Claude Code, Anthropic's official CLI for Claude, running within the Claude Agent SDK.",
        "You are a Claude agent, built on Anthropic's Claude Agent SDK.",
    ]
    /// How Claude Code's billing-header system block begins.
    public static let billingHeaderPrefix = "x-anthropic-billing-header:"
    /// The flags Claude Code (2.1.332) sends with an OAuth credential that a request needs;
    /// only the missing ones are added, after the client's.
    public static let betas = [
        "oauth-2025-04-20",
        "claude-code-20250219",
        "interleaved-thinking-2025-05-14",
    ]
    public static let userAgent = "claude-cli/2.1.0 (external, cli)"
    public static let headers: [(name: String, value: String)] = [("x-app", "cli")]
    public static let anthropicVersion = "2023-06-01"
    public static let tokenURL = "https://platform.claude.com/v1/oauth/token"
    public static let authorizeURL = "https://claude.ai/oauth/authorize"
    public static let clientID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
    public static let redirectURI = "https://platform.claude.com/oauth/code/callback"
    public static let scopes = "user:profile user:inference user:sessions:claude_code"
    public static let maxBodyBytes = 33_554_432
    /// 128 MiB: a sidecar's share of memory for requests in progress (a request counts about three
    /// times its body, so about 40 MiB of bodies at once).
    public static let maxBufferedBytes = 134_217_728
}
