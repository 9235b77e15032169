import Logging
import MaximizeCore
import MaximizeCurl
import NIOConcurrencyHelpers
import Synchronization

/// One configuration generation: settings and what is derived from them.
final class RuntimeConfiguration: Sendable {
    let loaded: LoadedConfiguration
    let shaper: RequestShaper
    let logger: Logger
    /// The daemon's handler, when it writes the access line from ``LogFields`` directly; `nil`
    /// for any other handler (a test's), which gets the same fields as metadata.
    let fieldWriter: DaemonLogHandler?

    var settings: Settings { loaded.settings }

    init(loaded: LoadedConfiguration, baseLogger: Logger) {
        self.loaded = loaded
        self.shaper = RequestShaper(settings: loaded.settings)
        var logger = baseLogger
        logger.logLevel = loaded.settings.server.logLevel.swiftLogLevel
        self.logger = logger
        self.fieldWriter = (logger.handler as? DaemonLogHandler).flatMap { $0.takesFields ? $0 : nil }
    }
}

/// What every connection of the daemon shares.
final class DaemonContext: Sendable {
    let paths: MaximizePaths
    let credentials: CredentialStore
    let client: CurlClient
    let refresher: RefreshCoordinator
    let stats = RequestStats()
    /// Request bytes held in memory by every connection (`server.max_buffered_bytes`).
    let budget = BufferBudget()
    /// The upstream's rate limits as last seen, and the local cooldown.
    let limits = RateLimitTracker()
    let metrics: DaemonMetrics
    let startedAt: Double
    /// The wall clock the daemon decides by (refresh scheduling, control requests, reloads):
    /// ``WallClock/now()``, or a test's manual clock.
    let now: @Sendable () -> Double
    private let configuration: NIOLockedValueBox<RuntimeConfiguration>

    init(
        paths: MaximizePaths,
        configuration: RuntimeConfiguration,
        credentials: CredentialStore,
        client: CurlClient,
        now: @escaping @Sendable () -> Double = WallClock.now
    ) {
        let current = NIOLockedValueBox(configuration)
        let metrics = DaemonMetrics()
        self.paths = paths
        self.configuration = current
        self.credentials = credentials
        self.client = client
        self.metrics = metrics
        let path = credentials.location
        self.refresher = RefreshCoordinator(
            store: credentials,
            oauth: OAuthClient(settings: configuration.settings, client: client)
        ) { event in
            Self.observe(event, metrics: metrics, logger: current.withLockedValue { $0.logger }, path: path)
        }
        self.now = now
        self.startedAt = now()
    }

    /// Counts and logs what the refresh coordinator did.
    static func observe(_ event: RefreshCoordinator.Event, metrics: DaemonMetrics, logger: Logger, path: String) {
        switch event {
        case .refresh(let result):
            metrics.refresh(result: result)
        case .notSaved(let reason):
            metrics.credentialSaveFailed()
            logger.error(
                "credentials not saved: \(reason); the rotated token is kept in memory and the write is retried",
                metadata: ["file": "\(path)"]
            )
        case .saved:
            logger.notice("credentials saved", metadata: ["file": "\(path)"])
        case .unsavedSuperseded:
            logger.warning(
                "the token file was replaced while a rotated token was unsaved; using the file's credentials",
                metadata: ["file": "\(path)"]
            )
        }
    }

    /// The configuration in force; requests take it once when they start.
    var current: RuntimeConfiguration { configuration.withLockedValue { $0 } }

    func replaceConfiguration(_ new: RuntimeConfiguration) {
        configuration.withLockedValue { $0 = new }
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
