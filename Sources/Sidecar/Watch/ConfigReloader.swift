import Logging
import MaximizeControl
import MaximizeCore
import ServiceLifecycle

/// Applies a changed `config.json` (and notices a changed `tokens.json`) without a restart.
///
/// File events are debounced; the file is re-read through symlinks, hashed, and applied only when
/// its content changed and is valid. An invalid file keeps the last good configuration and is
/// reported in `status.json`.
///
/// Checks asked for from other threads (the watcher's, the store listener's) go through
/// ``request(_:debounced:)`` to the reloader's own service (``run()``), which performs them.
actor ConfigReloader: Service, CustomStringConvertible {
    static let debounce = Duration.milliseconds(100)
    /// The topic of the warning about a token file that cannot be used (`status.json`).
    static let tokenFileTopic = "token-file"

    let loader: ConfigurationLoader
    let daemon: DaemonContext
    let server: ProxyServer
    let status: StatusPublisher
    let baseLogger: Logger
    let allowOpenTCP: Bool
    private var lastHash: String?
    let seed: SeedTokenFile?
    private var scheduled: Set<Check> = []
    private nonisolated let requests: AsyncStream<(check: Check, debounced: Bool)>
    private nonisolated let requested: AsyncStream<(check: Check, debounced: Bool)>.Continuation
    /// The permission problems last found, by path (each is logged once, when it appears).
    var reportedPermissions: [String: String] = [:]
    /// The token file's problem last logged, so that each is logged once.
    private var reportedLoadError: CredentialError?
    /// Examinations of `config.json` finished so far (`config.checks` in `status.json`).
    private var checks = 0

    init(
        loader: ConfigurationLoader,
        daemon: DaemonContext,
        server: ProxyServer,
        status: StatusPublisher,
        baseLogger: Logger,
        allowOpenTCP: Bool,
        initialHash: String?,
        seed: SeedTokenFile?
    ) {
        self.seed = seed
        self.loader = loader
        self.daemon = daemon
        self.server = server
        self.status = status
        self.baseLogger = baseLogger
        self.allowOpenTCP = allowOpenTCP
        self.lastHash = initialHash
        (requests, requested) = AsyncStream.makeStream(of: (check: Check, debounced: Bool).self)
        // Logged at start already.
        self.reportedLoadError = daemon.credentials.snapshot.loadError
    }

    /// What a file event (or a store notification) asks to re-read, or to write again.
    enum Check: Hashable, Sendable {
        case configuration, credentials, seed
        /// A rotated credential held only in memory: try the write again.
        case saveUnsaved
    }

    nonisolated var description: String { "config reloader" }

    /// Asks for `check` from any thread; `debounced`: once, ``debounce`` after the first of a
    /// burst of requests (file events come in bursts).
    nonisolated func request(_ check: Check, debounced: Bool = true) {
        requested.yield((check, debounced))
    }

    /// Performs the requested checks until graceful shutdown.
    func run() async {
        await cancelWhenGracefulShutdown { [self] in await serve() }
    }

    private func serve() async {
        await withDiscardingTaskGroup { group in
            for await (check, debounced) in requests {
                if !debounced {
                    group.addTask { await self.perform(check) }
                } else if scheduled.insert(check).inserted {
                    group.addTask {
                        try? await Task.sleep(for: Self.debounce)
                        if Task.isCancelled { return }
                        await self.performScheduled(check)
                    }
                }
            }
            group.cancelAll()
        }
    }

    private func performScheduled(_ check: Check) async {
        scheduled.remove(check)
        await perform(check)
    }

    private func perform(_ check: Check) async {
        switch check {
        case .configuration: _ = await reloadConfiguration(force: false)
        case .credentials: await reloadCredentials()
        case .seed: await synchronizeSeed()
        case .saveUnsaved: _ = await daemon.refresher.saveUnsaved()
        }
    }

    /// Copies the seed token file in when it changed (or the token file is empty).
    func synchronizeSeed() async {
        guard let seed else { return }
        do {
            if try seed.synchronize() == .adopted {
                daemon.current.logger.info("adopted credentials from the seed token file", metadata: ["seed": "\(seed.path)"])
                await reloadCredentials()
            }
        } catch {
            daemon.current.logger.warning("the seed token file cannot be used: \(error)", metadata: ["seed": "\(seed.path)"])
        }
    }

    /// Adopts `tokens.json` when it is not the version last seen; with a shared store, reads the
    /// credential's row (a notification, the safety net, a reload).
    @discardableResult
    func reloadCredentials(force: Bool = false) async -> Bool {
        let now = daemon.now()
        let credentials = daemon.credentials
        let changed: Bool
        if credentials.file == nil {
            changed = await credentials.reloadFromBackend(now: now)
        } else {
            changed = force ? credentials.reload(now: now) : credentials.reloadIfChanged(now: now)
        }
        let snapshot = daemon.credentials.snapshot
        if changed {
            daemon.current.logger.info(
                "credentials reloaded",
                metadata: ["kind": "\((snapshot.credential?.kind ?? .none).rawValue)", "store": "\(daemon.credentials.location)"]
            )
            daemon.limits.credentialsChanged(logger: daemon.current.logger, now: now)
        } else if let error = snapshot.loadError, force || error != reportedLoadError {
            let kept = snapshot.credential == nil ? "" : "; the credentials held are kept"
            daemon.current.logger.warning("\(error)\(kept)")
        }
        // A credential held in memory is written again on every later change.
        if snapshot.unsaved != nil { request(.saveUnsaved, debounced: false) }
        reportedLoadError = snapshot.loadError
        // Kept credentials keep the daemon ready: the warning is what shows the broken file.
        status.setWarning(
            Self.tokenFileTopic,
            snapshot.credential == nil ? nil : snapshot.loadError.map { "\($0); the credentials held are kept" }
        )
        auditPermissions()
        // The heartbeat covers the rest; a state change is written at once.
        if changed || force || snapshot.loadError != nil { status.publish() }
        return changed
    }

    /// Re-reads `config.json`; returns `nil` on success (or no change) and the problem otherwise.
    ///
    /// Every examination, whatever its outcome, ends by counting itself in `status.json`
    /// (`config.checks`) in the same update that records its outcome, published at once.
    func reloadConfiguration(force: Bool) async -> String? {
        let path = loader.paths.configFile
        let bytes: [UInt8]?
        do {
            bytes = try loader.readFile()
        } catch {
            return record(error: error.description, hash: nil)
        }
        let hash = bytes.map { SHA256.hexDigest($0) }
        if !force, hash == lastHash {
            finishCheck { _ in }
            return nil
        }
        lastHash = hash
        if let missing = loader.missingFileError(bytes) { return record(error: missing.description, hash: hash) }
        let loaded: LoadedConfiguration
        do {
            loaded = try loader.load(fileContents: bytes)
        } catch {
            return record(error: error.description, hash: hash)
        }
        if let problem = ListenPolicy.openTCPProblem(loaded.settings, allowOpenTCP: allowOpenTCP) {
            return record(error: problem, hash: hash)
        }
        let previous = daemon.current.settings
        let configuration = RuntimeConfiguration(loaded: loaded, baseLogger: baseLogger)
        do {
            try await server.apply(loaded.settings)
        } catch {
            return record(error: "the listeners could not be moved: \(error)", hash: hash)
        }
        daemon.replaceConfiguration(configuration)
        LogOutput.standardError.format = loaded.settings.server.logFormat
        await daemon.refresher.update(oauth: OAuthClient(settings: loaded.settings, client: daemon.client))
        for warning in loaded.warnings { configuration.logger.warning("\(warning)") }
        if loaded.settings.storage != previous.storage {
            configuration.logger.warning("storage.* changed; restart maximize for a new token file location to take effect")
        }
        // Counted before the check is: whoever sees the check counted sees the reload counted.
        daemon.metrics.reload(result: "applied")
        let listeners = server.listeners
        finishCheck {
            $0.config = StatusDocument.Config(path: path, sha256: loaded.fileSHA256, loadedAt: daemon.now(), error: nil)
            $0.listeners = listeners
        }
        configuration.logger.info("configuration reloaded", metadata: ["file": "\(path)"])
        auditPermissions()
        return nil
    }

    private func record(error: String, hash: String?) -> String {
        daemon.metrics.reload(result: "invalid")
        daemon.current.logger.warning("config.json not applied; keeping the last good configuration: \(error)")
        finishCheck {
            $0.config.error = error
            $0.config.sha256 = hash
        }
        return error
    }

    /// Counts a finished examination of `config.json` and publishes it with its outcome
    /// (`change`) in one `status.json` update: a document that shows the outcome counts it.
    private func finishCheck(_ change: (inout StatusPublisher.Facts) -> Void) {
        checks += 1
        let checks = checks
        status.update {
            change(&$0)
            $0.config.checks = checks
        }
    }
}

extension StatusDocument.Config {
    init(path: String, sha256: String?, loadedAt: Double?, error: String?) {
        self.init()
        self.path = path
        self.sha256 = sha256
        self.loadedAt = loadedAt
        self.error = error
    }
}
