import Testing

@testable import MaximizeCore

struct ConfigurationLoaderTests {
    static let state = "/tmp/maximize-unit-state"
    static let configPath = state + "/config.json"

    private func load(
        _ config: String? = nil,
        environment: [String: String] = [:],
        flags: [String: (flag: String, value: String)] = [:]
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let paths = MaximizePaths.resolve(stateDirectory: Self.state, environment: [:])
        return try ConfigurationLoader(paths: paths, environment: environment, overrides: flags)
            .load(fileContents: config.map { Array($0.utf8) })
    }

    private func loadError(
        _ config: String? = nil,
        environment: [String: String] = [:],
        flags: [String: (flag: String, value: String)] = [:]
    ) -> ConfigurationError? {
        do {
            _ = try load(config, environment: environment, flags: flags)
            return nil
        } catch {
            return error
        }
    }

    private func entry(_ loaded: LoadedConfiguration, _ key: String) -> ConfigurationEntry? {
        loaded.entries.first { $0.key == key }
    }

    @Test func builtInDefaults() throws {
        let loaded = try load()
        let settings = loaded.settings
        #expect(settings.server.socketPath == Self.state + "/run/maximize.sock")
        #expect(settings.server.socketMode == 0o660)
        #expect(settings.server.port == nil)
        #expect(settings.server.bindAddress == "127.0.0.1")
        #expect(settings.server.apiKey == nil)
        #expect(settings.server.logLevel == .info)
        #expect(settings.server.maxBodyBytes == 33_554_432)
        #expect(settings.server.drainGraceSeconds == 1)
        #expect(settings.server.drainTimeoutSeconds == 30)
        #expect(settings.models.defaultModel == "l")
        #expect(settings.models.nicknames == Defaults.nicknames)
        #expect(settings.api.baseURL == "https://api.anthropic.com")
        #expect(settings.api.requestTimeout == 600)
        #expect(settings.api.caFile == nil)
        #expect(settings.api.betas == Defaults.betas)
        #expect(settings.oauth.clientID == Defaults.clientID)
        #expect(settings.storage.tokenFile == Self.state + "/tokens.json")
        #expect(settings.storage.seedTokenFile == nil)
        #expect(loaded.entries.allSatisfy { $0.source == .builtIn })
        #expect(loaded.warnings.isEmpty)
        #expect(!loaded.fileExists)
    }

    @Test func precedenceFlagEnvironmentFileDefault() throws {
        let file = #"{"server":{"port":3000}}"#
        let flag: [String: (flag: String, value: String)] = ["server.port": ("port", "1000")]
        let env = ["PORT": "2000"]
        let cases: [(LoadedConfiguration, Int?, ConfigurationSource)] = [
            (try load(file, environment: env, flags: flag), 1000, .flag("port")),
            (try load(file, environment: env), 2000, .environment("PORT")),
            (try load(file), 3000, .file(Self.configPath)),
            (try load(), nil, .builtIn),
        ]
        for (loaded, port, source) in cases {
            #expect(loaded.settings.server.port == port)
            #expect(entry(loaded, "server.port")?.source == source)
        }
        #expect(entry(cases[3].0, "server.port")?.value == "(unset)")
    }

    @Test func maximizeNamesWinOverSeedNames() throws {
        let loaded = try load(environment: ["PORT": "1", "MAXIMIZE_PORT": "2", "LOG_LEVEL": "error", "MAXIMIZE_LOG_LEVEL": "debug"])
        #expect(loaded.settings.server.port == 2)
        #expect(loaded.settings.server.logLevel == .debug)
        #expect(entry(loaded, "server.port")?.source == .environment("MAXIMIZE_PORT"))
    }

    @Test func environmentVariableNames() throws {
        let env = [
            "PORT": "8081", "BIND_ADDRESS": "0.0.0.0", "LOG_LEVEL": "DEBUG", "DEFAULT_MODEL": "xs",
            "REQUEST_TIMEOUT": "30.5", "TOKEN_FILE": "/secrets/tokens.json", "MAXIMIZE_SOCKET": "/run/m.sock",
            "MAXIMIZE_API_KEY": "local-key", "MAXIMIZE_API_BASE_URL": "http://127.0.0.1:9/",
            "MAXIMIZE_CA_FILE": "/etc/ca.pem", "MAXIMIZE_OAUTH_TOKEN_URL": "http://127.0.0.1:9/token",
            "MAXIMIZE_SEED_TOKEN_FILE": "/seed/tokens.json",
        ]
        let loaded = try load(#"{"server":{"port":1,"bind_address":"::1"}}"#, environment: env)
        let settings = loaded.settings
        #expect(settings.server.port == 8081)
        #expect(settings.server.bindAddress == "0.0.0.0")
        #expect(settings.server.logLevel == .debug)
        #expect(settings.models.defaultModel == "xs")
        #expect(settings.api.requestTimeout == 30.5)
        #expect(settings.storage.tokenFile == "/secrets/tokens.json")
        #expect(settings.server.socketPath == "/run/m.sock")
        #expect(settings.server.apiKey?.value == "local-key")
        #expect(settings.api.baseURL == "http://127.0.0.1:9")
        #expect(settings.api.caFile == "/etc/ca.pem")
        #expect(settings.oauth.tokenURL == "http://127.0.0.1:9/token")
        #expect(settings.storage.seedTokenFile == "/seed/tokens.json")
        for (key, name) in [
            ("server.port", "PORT"), ("server.bind_address", "BIND_ADDRESS"), ("server.log_level", "LOG_LEVEL"),
            ("models.default", "DEFAULT_MODEL"), ("api.request_timeout", "REQUEST_TIMEOUT"),
            ("storage.token_file", "TOKEN_FILE"), ("server.api_key", "MAXIMIZE_API_KEY"),
        ] {
            #expect(entry(loaded, key)?.source == .environment(name), "\(key)")
        }
    }

    /// `server.max_buffered_bytes`: 128 MiB by default, from the file or
    /// `MAXIMIZE_MAX_BUFFERED_BYTES`, at least 1 MiB.
    @Test func maxBufferedBytes() throws {
        #expect(try load().settings.server.maxBufferedBytes == 134_217_728)
        #expect(try load(#"{"server":{"max_buffered_bytes":41943040}}"#).settings.server.maxBufferedBytes == 41_943_040)
        let fromEnvironment = try load(
            #"{"server":{"max_buffered_bytes":41943040}}"#,
            environment: ["MAXIMIZE_MAX_BUFFERED_BYTES": "2097152"]
        )
        #expect(fromEnvironment.settings.server.maxBufferedBytes == 2_097_152)
        #expect(entry(fromEnvironment, "server.max_buffered_bytes")?.source == .environment("MAXIMIZE_MAX_BUFFERED_BYTES"))
        #expect(loadError(#"{"server":{"max_buffered_bytes":1000}}"#)?.description.contains("server.max_buffered_bytes") == true)
    }

    @Test func fileValues() throws {
        let config = """
            {"server":{"socket_mode":"0600","port":"8080","max_body_bytes":2048,"drain_grace_seconds":0.5},
             "models":{"default":"m","nicknames":{"tiny":"claude-haiku-4-5","l":"claude-opus-5"}},
             "api":{"betas":"a, b","request_timeout":12},
             "storage":{"token_file":"sub/tokens.json"}}
            """
        let loaded = try load(config)
        let settings = loaded.settings
        #expect(loaded.fileExists)
        #expect(settings.server.socketMode == 0o600)
        #expect(settings.server.port == 8080)
        #expect(settings.server.maxBodyBytes == 2048)
        #expect(settings.server.drainGraceSeconds == 0.5)
        #expect(settings.models.defaultModel == "m")
        #expect(settings.models.nicknames["tiny"] == "claude-haiku-4-5")
        #expect(settings.models.nicknames["l"] == "claude-opus-5")
        #expect(settings.models.nicknames["xs"] == "claude-haiku-4-5")
        #expect(settings.models.nicknames.count == Defaults.nicknames.count + 1)
        #expect(settings.api.betas == ["a", "b"])
        #expect(settings.api.requestTimeout == 12)
        #expect(settings.storage.tokenFile == Self.state + "/sub/tokens.json")
        #expect(entry(loaded, "models.nicknames")?.source == .file(Self.configPath))
        #expect(entry(loaded, "server.bind_address")?.source == .builtIn)
    }

    @Test func tildeExpansion() throws {
        let env = ["HOME": "/home/u", "TOKEN_FILE": "~/creds/tokens.json"]
        let loaded = try load(#"{"api":{"ca_file":"~/ca.pem"},"server":{"socket_path":"~"}}"#, environment: env)
        #expect(loaded.settings.storage.tokenFile == "/home/u/creds/tokens.json")
        #expect(loaded.settings.api.caFile == "/home/u/ca.pem")
        #expect(loaded.settings.server.socketPath == "/home/u")
    }

    @Test func emptySocketPathDisablesTheSocket() throws {
        #expect(try load(#"{"server":{"socket_path":""}}"#).settings.server.socketPath == nil)
        #expect(try load(environment: ["MAXIMIZE_SOCKET": ""]).settings.server.socketPath == nil)
        let flag: [String: (flag: String, value: String)] = ["server.socket_path": ("socket", "")]
        #expect(try load(#"{"server":{"socket_path":"/x.sock"}}"#, flags: flag).settings.server.socketPath == nil)
    }

    @Test func whitespaceOnlyFileIsNoConfiguration() throws {
        #expect(try load(" \n\t").settings == (try load()).settings)
    }

    @Test func apiKeyIsRedactedInEntries() throws {
        let loaded = try load(#"{"server":{"api_key":"super-secret-value"}}"#)
        #expect(loaded.settings.server.apiKey == Secret("super-secret-value"))
        #expect(entry(loaded, "server.api_key")?.value == "(set, redacted)")
        #expect(entry(loaded, "server.api_key")?.source == .file(Self.configPath))
        #expect(!loaded.entries.contains { $0.value.contains("super-secret") })
        #expect(try load(#"{"server":{"api_key":""}}"#).settings.server.apiKey == nil)
    }

    @Test func unknownKeysProduceWarnings() throws {
        let loaded = try load(#"{"server":{"prot":1,"port":2},"modles":{"default":"xs"},"extra":1}"#)
        #expect(loaded.warnings.count == 3)
        #expect(loaded.warnings.contains { $0.contains("server.prot") && $0.hasPrefix(Self.configPath) })
        #expect(loaded.warnings.contains { $0.contains("modles.default") })
        #expect(loaded.warnings.contains { $0.contains("unknown key extra") })
        #expect(loaded.settings.server.port == 2)
    }

    @Test(arguments: [
        (#"{"server":{"port":"abc"}}"#, "server.port", "must be an integer"),
        (#"{"server":{"port":70000}}"#, "server.port", "got 70000"),
        (#"{"server":{"port":80.5}}"#, "server.port", "must be an integer"),
        (#"{"server":{"port":true}}"#, "server.port", "must be a number"),
        (#"{"server":{"log_level":"loud"}}"#, "server.log_level", "loud"),
        (#"{"server":{"socket_mode":"0999"}}"#, "server.socket_mode", "octal"),
        (#"{"server":{"bind_address":5}}"#, "server.bind_address", "must be a string"),
        (#"{"api":{"base_url":"api.anthropic.com"}}"#, "api.base_url", "http://"),
        (#"{"api":{"request_timeout":0}}"#, "api.request_timeout", "got 0"),
        (#"{"api":{"betas":[1]}}"#, "api.betas", "list of strings"),
        (#"{"models":{"nicknames":{"x":1}}}"#, "models.nicknames", "x must be a string"),
        (#"{"models":{"nicknames":["x"]}}"#, "models.nicknames", "object"),
    ])
    func invalidFileValuesNameFileAndKey(config: String, key: String, message: String) throws {
        let error = try #require(loadError(config))
        #expect(error.origin == Self.configPath)
        #expect(error.key == key)
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.description.hasPrefix("\(Self.configPath): \(key): "))
    }

    @Test func malformedJSONNamesFileAndLine() throws {
        let error = try #require(loadError("{\n  \"server\": {\n    \"port\": 1,\n  }\n}"))
        #expect(error.origin == Self.configPath)
        #expect(error.key == nil)
        #expect(error.message.contains("not valid JSON"))
        #expect(error.message.contains("line 4"))
        let array = try #require(loadError("[]"))
        #expect(array.message == "must be a JSON object")
    }

    @Test func invalidEnvironmentAndFlagValuesNameTheirOrigin() throws {
        let env = try #require(loadError(environment: ["PORT": "abc"]))
        #expect(env.origin == "environment variable PORT")
        #expect(env.key == "server.port")
        let flag = try #require(loadError(flags: ["server.port": ("port", "0")]))
        #expect(flag.origin == "flag --port")
        #expect(flag.description == "flag --port: server.port: must be an integer from 1 to 65535, got 0")
    }

    @Test func loadReadsTheFileFromDisk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("config.json", #"{"server":{"port":9}}"#)
        let paths = MaximizePaths.resolve(stateDirectory: directory.path, environment: [:])
        let loaded = try ConfigurationLoader(paths: paths, environment: [:]).load()
        #expect(loaded.settings.server.port == 9)
        #expect(entry(loaded, "server.port")?.source == .file(directory.path + "/config.json"))
        let missing = MaximizePaths.resolve(
            stateDirectory: directory.path,
            configFile: directory.path + "/nope.json",
            environment: [:]
        )
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(paths: missing, environment: [:]).load() }
        let implicit = MaximizePaths.resolve(stateDirectory: directory.path + "/empty", environment: [:])
        #expect(try !ConfigurationLoader(paths: implicit, environment: [:]).load().fileExists)
    }

    @Test func errorsBlameTheLayerTheValueCameFrom() throws {
        let level = try #require(loadError(environment: ["LOG_LEVEL": "loud"]))
        #expect(level.origin == "environment variable LOG_LEVEL")
        #expect(level.key == "server.log_level")
        let url = try #require(loadError(flags: ["api.base_url": ("api-base-url", "ftp://x")]))
        #expect(url.origin == "flag --api-base-url")
        let mode = try #require(loadError(#"{"server":{"socket_mode":"rwx"}}"#))
        #expect(mode.origin == Self.configPath)
    }

    @Test func caFileThatIsNotARegularFileIsAnError() throws {
        let error = try #require(loadError(#"{"api":{"ca_file":"/dev/zero"}}"#))
        #expect(error.key == "api.ca_file")
        #expect(error.description.contains("/dev/zero is a character device, not a regular file"))
        #expect(loadError(environment: ["MAXIMIZE_CA_FILE": "/tmp"])?.origin == "environment variable MAXIMIZE_CA_FILE")
        // A missing file is left to the TLS error, which names api.ca_file.
        #expect(loadError(#"{"api":{"ca_file":"/nonexistent/ca.pem"}}"#) == nil)
    }
}
