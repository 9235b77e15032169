import Logging
import MaximizeCore
import Synchronization

/// One configuration generation: settings and what is derived from them.
final class RuntimeConfiguration: Sendable {
    let loaded: LoadedConfiguration
    let shaper: RequestShaper
    let logger: Logger

    var settings: Settings { loaded.settings }

    init(loaded: LoadedConfiguration, baseLogger: Logger) {
        self.loaded = loaded
        self.shaper = RequestShaper(settings: loaded.settings)
        var logger = baseLogger
        logger.logLevel = loaded.settings.server.logLevel.swiftLogLevel
        self.logger = logger
    }
}

/// What every connection of the daemon shares.
final class DaemonContext: Sendable {
    let paths: MaximizePaths
    let credentials: CredentialStore
    let client: CurlClient
    let refresher: RefreshCoordinator
    let stats = RequestStats()
    let metrics = DaemonMetrics()
    let startedAt: Double
    private let configuration: Locked<RuntimeConfiguration>

    init(paths: MaximizePaths, configuration: RuntimeConfiguration, credentials: CredentialStore, client: CurlClient) {
        self.paths = paths
        self.configuration = Locked(configuration)
        self.credentials = credentials
        self.client = client
        self.refresher = RefreshCoordinator(
            store: credentials,
            oauth: OAuthClient(settings: configuration.settings, client: client)
        )
        self.startedAt = Clock.now()
    }

    /// The configuration in force; requests take it once when they start.
    var current: RuntimeConfiguration { configuration.withLock { $0 } }

    func replaceConfiguration(_ new: RuntimeConfiguration) {
        configuration.withLock { $0 = new }
    }
}

/// Request counters for `status.json` and `/metrics`.
final class RequestStats: Sendable {
    let total = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let failed = Atomic<Int>(0)

    func started() {
        total.add(1, ordering: .relaxed)
        inFlight.add(1, ordering: .relaxed)
    }

    func finished(failed didFail: Bool) {
        inFlight.subtract(1, ordering: .relaxed)
        if didFail { failed.add(1, ordering: .relaxed) }
    }
}

extension LogLevel {
    var swiftLogLevel: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
