import Testing

@testable import MaximizeCore

/// Configuration that could reach further than a setting is refused at load, naming file and key.
struct ConfigurationChecksTests {
    static let state = "/tmp/maximize-unit-checks"

    func loadError(_ config: String? = nil, environment: [String: String] = [:]) -> ConfigurationError? {
        let paths = MaximizePaths.resolve(stateDirectory: Self.state, environment: [:])
        do {
            _ = try ConfigurationLoader(paths: paths, environment: environment).load(fileContents: config.map { Array($0.utf8) })
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (#"{"api":{"headers":{"x-a":"ok\r\nx-injected: 1"}}}"#, "api.headers"),
        (#"{"api":{"headers":{"x a":"1"}}}"#, "api.headers"),
        (#"{"api":{"headers":{"x-a\n":"1"}}}"#, "api.headers"),
        (#"{"api":{"user_agent":"ua\u0000x"}}"#, "api.user_agent"),
        (#"{"api":{"betas":["a\nb"]}}"#, "api.betas"),
        (#"{"oauth":{"token_url":"file:///etc/passwd"}}"#, "oauth.token_url"),
        (#"{"oauth":{"authorize_url":"ftp://example.com"}}"#, "oauth.authorize_url"),
        (#"{"api":{"base_url":"https://x.test\r\n"}}"#, "api.base_url"),
        (#"{"server":"yes"}"#, "server"),
        (#"{"api":[1]}"#, "api"),
        (#"{"models":{"default":"s"},"models":{"default":"xl"}}"#, "models"),
        (#"{"models":{"default":"s","default":"xl"}}"#, "models.default"),
    ])
    func refusedNamingFileAndKey(config: String, key: String) {
        let error = loadError(config)
        #expect(error?.key == key, "\(config)")
        #expect(error?.origin.hasSuffix("config.json") == true)
    }

    @Test func anInjectingTokenURLFromTheEnvironmentIsRefusedToo() {
        let error = loadError(environment: ["MAXIMIZE_OAUTH_TOKEN_URL": "file:///etc/shadow"])
        #expect(error?.key == "oauth.token_url")
        #expect(error?.origin == "environment variable MAXIMIZE_OAUTH_TOKEN_URL")
    }

    @Test func ordinaryValuesPass() {
        #expect(
            loadError(
                #"{"api":{"headers":{"x-app":"cli","X-Trace_Id":"a\tb"},"user_agent":"claude-cli/2 (external, cli)","betas":["x-1"]},"oauth":{"token_url":"HTTPS://example.test/t"},"server":null}"#
            ) == nil
        )
    }
}
