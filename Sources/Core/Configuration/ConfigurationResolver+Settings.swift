extension ConfigurationResolver {
    /// The contract's table of settings: key, environment variables, default.
    mutating func resolveSettings(paths: MaximizePaths) throws(ConfigurationError) -> Settings {
        try checkFileShape()
        let socketPath = try path("server.socket_path", env: ["MAXIMIZE_SOCKET"], default: paths.socketDefault)
        let (modeText, modeSource) = try stringWithSource("server.socket_mode", default: "0660")
        guard let socketMode = UInt32(modeText.hasPrefix("0o") ? String(modeText.dropFirst(2)) : modeText, radix: 8),
            socketMode <= 0o777
        else {
            throw failure(
                "server.socket_mode",
                modeSource,
                "must be an octal mode string such as \"0660\", got \"\(modeText)\""
            )
        }
        let port = try number(
            "server.port",
            env: ["MAXIMIZE_PORT", "PORT"],
            default: nil,
            range: 1...65535,
            integer: true
        )
        let bindAddress = try string(
            "server.bind_address",
            env: ["MAXIMIZE_BIND_ADDRESS", "BIND_ADDRESS"],
            default: "127.0.0.1"
        )
        let apiKey = try secret("server.api_key", env: ["MAXIMIZE_API_KEY"])
        let (levelText, levelSource) = try stringWithSource(
            "server.log_level",
            env: ["MAXIMIZE_LOG_LEVEL", "LOG_LEVEL"],
            default: "info"
        )
        guard let logLevel = LogLevel(rawValue: levelText.lowercased()) else {
            let names = LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
            throw failure("server.log_level", levelSource, "must be one of \(names), got \"\(levelText)\"")
        }
        let maxBody = try number(
            "server.max_body_bytes",
            default: Double(Defaults.maxBodyBytes),
            range: 1024...17_179_869_184,
            integer: true
        )
        let maxBuffered = try number(
            "server.max_buffered_bytes",
            env: ["MAXIMIZE_MAX_BUFFERED_BYTES"],
            default: Double(Defaults.maxBufferedBytes),
            range: 1_048_576...1_099_511_627_776,
            integer: true
        )
        let grace = try number("server.drain_grace_seconds", default: 1, range: 0...3600, integer: false)
        let drainTimeout = try number("server.drain_timeout_seconds", default: 30, range: 0...86400, integer: false)
        let readTimeout = try number("server.read_timeout_seconds", default: 30, range: 0.1...86400, integer: false)

        let defaultModel = try string(
            "models.default",
            env: ["MAXIMIZE_DEFAULT_MODEL", "DEFAULT_MODEL"],
            default: Defaults.defaultModel
        )
        var nicknames = Defaults.nicknames
        let extra = try stringMap(
            "models.nicknames",
            default: Defaults.nicknameOrder.map { ($0, Defaults.nicknames[$0]!) }
        )
        for entry in extra { nicknames[entry.name] = entry.value }
        let (structuredText, structuredSource) = try stringWithSource(
            "models.structured_outputs",
            env: ["MAXIMIZE_STRUCTURED_OUTPUTS"],
            default: StructuredOutput.Rule.auto.rawValue
        )
        guard let structuredOutputs = StructuredOutput.Rule(rawValue: structuredText) else {
            throw failure("models.structured_outputs", structuredSource, "must be auto, native or tool, got \"\(structuredText)\"")
        }

        let (baseURL, baseURLSource) = try stringWithSource(
            "api.base_url",
            env: ["MAXIMIZE_API_BASE_URL"],
            default: Defaults.baseURL
        )
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw failure("api.base_url", baseURLSource, "must start with http:// or https://, got \"\(baseURL)\"")
        }
        _ = try headerValue("api.base_url", baseURL)
        let timeout = try number(
            "api.request_timeout",
            env: ["MAXIMIZE_REQUEST_TIMEOUT", "REQUEST_TIMEOUT"],
            default: Defaults.requestTimeout,
            range: 0.001...86400,
            integer: false
        )
        let caFile = try path("api.ca_file", env: ["MAXIMIZE_CA_FILE"], default: nil)
        // libcurl reads it on its one thread: a FIFO there would stall every upstream transfer.
        if let caFile, !caFile.isEmpty, let kind = FileSystem.kind(at: caFile), kind != .regular {
            throw failure(
                "api.ca_file",
                entries.last?.source ?? .builtIn,
                "\(caFile) is \(kind), not a regular file; name a PEM bundle file"
            )
        }
        let (versionText, versionSource) = try stringWithSource(
            "api.http_version",
            env: ["MAXIMIZE_HTTP_VERSION"],
            default: HTTPVersionPreference.auto.rawValue
        )
        guard let httpVersion = HTTPVersionPreference(rawValue: versionText) else {
            throw failure("api.http_version", versionSource, "must be auto, 1.1 or 2, got \"\(versionText)\"")
        }
        let overloadRetries = try number(
            "api.overload_retries",
            env: ["MAXIMIZE_OVERLOAD_RETRIES"],
            default: 0,
            range: 0...10,
            integer: true
        )
        let overloadBackoff = try number("api.overload_backoff_seconds", default: 1, range: 0.01...60, integer: false)
        let identity = try string("api.identity_text", default: Defaults.identityText)
        let identityMarkers = try stringList("api.identity_markers", default: Defaults.identityMarkers).filter { !$0.isEmpty }
        var betas: [String] = []
        for beta in try stringList("api.betas", default: Defaults.betas) {
            betas.append(try headerValue("api.betas", beta))
        }
        // Read first, then checked: the check blames the source the read recorded.
        let userAgentText = try string("api.user_agent", default: Defaults.userAgent)
        let userAgent = try headerValue("api.user_agent", userAgentText)
        var headers: [(name: String, value: String)] = []
        for header in try stringMap("api.headers", default: Defaults.headers) {
            headers.append((try headerName("api.headers", header.name), try headerValue("api.headers", header.value)))
        }

        let tokenURLText = try string("oauth.token_url", env: ["MAXIMIZE_OAUTH_TOKEN_URL"], default: Defaults.tokenURL)
        let tokenURL = try httpURL("oauth.token_url", tokenURLText)
        let authorizeURLText = try string("oauth.authorize_url", default: Defaults.authorizeURL)
        let authorizeURL = try httpURL("oauth.authorize_url", authorizeURLText)
        let clientID = try string("oauth.client_id", default: Defaults.clientID)
        let redirectURI = try string("oauth.redirect_uri", default: Defaults.redirectURI)
        let scopes = try string("oauth.scopes", default: Defaults.scopes)

        let tokenFile = try path(
            "storage.token_file",
            env: ["MAXIMIZE_TOKEN_FILE", "TOKEN_FILE"],
            default: paths.tokenFileDefault
        )
        let seedFile = try path("storage.seed_token_file", env: ["MAXIMIZE_SEED_TOKEN_FILE"], default: nil)
        let storage = try storageBackend(
            tokenFile: tokenFile ?? paths.tokenFileDefault,
            seedTokenFile: seedFile?.isEmpty == false ? seedFile : nil
        )

        var settings = Settings(
            server: .init(
                socketPath: socketPath?.isEmpty == false ? socketPath : nil,
                socketMode: socketMode,
                port: port.map { Int($0) },
                bindAddress: bindAddress,
                apiKey: apiKey,
                logLevel: logLevel,
                maxBodyBytes: Int(maxBody ?? Double(Defaults.maxBodyBytes)),
                maxBufferedBytes: Int(maxBuffered ?? Double(Defaults.maxBufferedBytes)),
                drainGraceSeconds: grace ?? 1,
                drainTimeoutSeconds: drainTimeout ?? 30,
                readTimeoutSeconds: readTimeout ?? 30
            ),
            models: .init(defaultModel: defaultModel, nicknames: nicknames, structuredOutputs: structuredOutputs),
            api: .init(
                baseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL,
                requestTimeout: timeout ?? Defaults.requestTimeout,
                caFile: caFile?.isEmpty == false ? caFile : nil,
                httpVersion: httpVersion,
                identityText: identity,
                identityMarkers: identityMarkers,
                betas: betas,
                userAgent: userAgent,
                headers: headers,
                overloadRetries: Int(overloadRetries ?? 0),
                overloadBackoffSeconds: overloadBackoff ?? 1
            ),
            oauth: .init(
                tokenURL: tokenURL,
                authorizeURL: authorizeURL,
                clientID: clientID,
                redirectURI: redirectURI,
                scopes: scopes
            ),
            storage: storage,
            limits: try limits()
        )
        try logging(&settings.server)
        return settings
    }

    /// `limits.*`.
    mutating func limits() throws(ConfigurationError) -> Settings.Limits {
        var limits = Settings.Limits()
        limits.localCooldown = try boolean("limits.local_cooldown", default: true)
        limits.maxCooldownSeconds = try number("limits.max_cooldown_seconds", default: 3600, range: 1...604_800, integer: false) ?? 3600
        limits.dropUnavailableBetas = try boolean("limits.drop_unavailable_betas", default: true)
        return limits
    }
}

extension ConfigurationResolver {
    /// `storage.backend` and, for `postgres`, where the database is.
    mutating func storageBackend(tokenFile: String, seedTokenFile: String?) throws(ConfigurationError) -> Settings.Storage {
        var storage = Settings.Storage(tokenFile: tokenFile, seedTokenFile: seedTokenFile)
        let (name, source) = try stringWithSource("storage.backend", env: ["MAXIMIZE_STORAGE_BACKEND"], default: "file")
        guard let backend = Settings.StorageBackend(rawValue: name.lowercased()) else {
            let names = Settings.StorageBackend.allCases.map(\.rawValue).joined(separator: " or ")
            throw failure("storage.backend", source, "must be \(names), got \"\(name)\"")
        }
        storage.backend = backend
        let url = try optionalString("storage.postgres_url", env: ["MAXIMIZE_POSTGRES_URL"], record: false)
        record("storage.postgres_url", url.map { PostgresURL.redacted($0.value) } ?? "(unset)", url?.source)
        storage.postgresPasswordFile = try path(
            "storage.postgres_password_file",
            env: ["MAXIMIZE_POSTGRES_PASSWORD_FILE"],
            default: nil
        ).flatMap { $0.isEmpty ? nil : $0 }
        let credentialName = try stringWithSource("storage.credential_name", env: ["MAXIMIZE_CREDENTIAL_NAME"], default: "default")
        guard !credentialName.value.isEmpty, credentialName.value.utf8.count <= 200,
            credentialName.value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw failure("storage.credential_name", credentialName.source, "must be 1 to 200 printable characters")
        }
        storage.credentialName = credentialName.value
        if let url, !url.value.isEmpty {
            guard url.value.hasPrefix("postgresql://") || url.value.hasPrefix("postgres://") else {
                throw failure("storage.postgres_url", url.source, "must start with postgresql:// (a libpq URL)")
            }
            storage.postgresURL = url.value
        }
        if backend == .postgres, storage.postgresURL == nil {
            throw failure(
                "storage.postgres_url",
                source,
                "must be set when storage.backend is postgres (MAXIMIZE_POSTGRES_URL, e.g. postgresql://maximize@db:5432/maximize)"
            )
        }
        return storage
    }
}
