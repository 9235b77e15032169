public import ArgumentParser
import Glibc
import Logging
import MaximizeCore

/// The `maximize` daemon: serves the Anthropic Messages API on a Unix socket (and TCP when asked)
/// with the credentials it holds.
public struct MaximizeCommand: AsyncParsableCommand, Sendable {
    public static let configuration = CommandConfiguration(
        commandName: "maximize",
        abstract: "Serve the Anthropic Messages API with a Claude subscription or API key, as a sidecar.",
        discussion: """
            Settings come from flags, then environment variables, then config.json in the state \
            directory, then built-in defaults. Credentials live in tokens.json in the state \
            directory (`maxctl login` or `maxctl import FILE` puts them there). The proxy listens on \
            <run dir>/maximize.sock, and on TCP when --port or PORT is set.
            """,
        version: MaximizeVersion.current
    )

    @Option(name: .long, help: "State directory: config.json, tokens.json (env MAXIMIZE_STATE_DIR; default ~/.maximize).")
    var stateDir: String?

    @Option(name: .long, help: "Run directory: maximize.sock, status.json, control/ (env MAXIMIZE_RUN_DIR; default <state dir>/run).")
    var runDir: String?

    @Option(name: .long, help: "Configuration file (env MAXIMIZE_CONFIG; default <state dir>/config.json).")
    var config: String?

    @Option(name: .long, help: "Unix socket path, \"\" to disable (server.socket_path, env MAXIMIZE_SOCKET).")
    var socket: String?

    @Option(name: .long, help: "Also listen on this TCP port (server.port, env PORT).")
    var port: Int?

    @Option(name: .long, help: "TCP bind address (server.bind_address, env BIND_ADDRESS; default 127.0.0.1).")
    var bindAddress: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (server.log_level, env LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .long, help: "Log format: text, or json for one JSON object per line (server.log_format, env MAXIMIZE_LOG_FORMAT; default text).")
    var logFormat: String?

    @Option(name: .long, help: "Model used when a request names none (models.default, env DEFAULT_MODEL; default l).")
    var defaultModel: String?

    @Option(name: .long, help: "Upstream API base URL (api.base_url, env MAXIMIZE_API_BASE_URL).")
    var apiBaseURL: String?

    @Option(name: .long, help: "Upstream request timeout in seconds (api.request_timeout, env REQUEST_TIMEOUT; default 600).")
    var requestTimeout: Double?

    @Option(name: .long, help: "Credentials file (storage.token_file, env TOKEN_FILE; default <state dir>/tokens.json).")
    var tokenFile: String?

    @Flag(name: .long, help: "Log every request (route, models, betas, status, bytes, timings), credentials redacted. Same as --log-level debug.")
    var debug = false

    @Flag(name: .long, help: "Allow a TCP listener on a non-loopback address without server.api_key.")
    var insecureOpenTcp = false

    var overrides: [String: (flag: String, value: String)] {
        var result: [String: (flag: String, value: String)] = [:]
        if let socket { result["server.socket_path"] = ("socket", socket) }
        if let port { result["server.port"] = ("port", String(port)) }
        if let bindAddress { result["server.bind_address"] = ("bind-address", bindAddress) }
        if let logLevel { result["server.log_level"] = ("log-level", logLevel) }
        if debug { result["server.log_level"] = ("debug", "debug") }
        if let logFormat { result["server.log_format"] = ("log-format", logFormat) }
        if let defaultModel { result["models.default"] = ("default-model", defaultModel) }
        if let apiBaseURL { result["api.base_url"] = ("api-base-url", apiBaseURL) }
        if let requestTimeout { result["api.request_timeout"] = ("request-timeout", String(requestTimeout)) }
        if let tokenFile { result["storage.token_file"] = ("token-file", tokenFile) }
        return result
    }

    public init() {}

    /// The executable's entry point. While the process has one thread, the signal mask every
    /// later thread inherits is set (see ``SignalWaiter``) and the descriptor limit raised; the
    /// command then runs as a task, and the main thread takes signals until it exits the process.
    ///
    /// Not an `async` main: on Linux that parks the main thread in `dispatch_main()`, whose
    /// `sigsuspend` unblocks every signal, so SIGTERM or SIGUSR1 would kill the daemon outright.
    public static func start() -> Never {
        SignalWaiter.blockWaitedSignals()
        DescriptorLimit.raise()
        // The root of all the daemon's work (a synchronous function cannot await it).
        Task {
            await main()
            Glibc.exit(0)
        }
        SignalWaiter.takeSignalsOnThisThread()
    }

    public func run() async throws {
        let code: Int32
        do {
            code = try await Daemon(command: self).run()
        } catch let failure as Failure where LogOutput.standardError.format == .json {
            // A start-up failure in the format asked for, not as argument-parser's text.
            Logger(label: "maximize").critical("\(failure)")
            throw ExitCode(1)
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// An error that ends the daemon with a message and exit code 1.
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
