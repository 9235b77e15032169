import Logging
import MaximizeControl
import MaximizeCore
import MaximizeCurl
import MaximizePostgres
import MaximizeWatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Starts the daemon's parts in order, runs them as a service group until a signal, and drains.
struct Daemon {
    let command: MaximizeCommand

    /// Runs the daemon; returns the exit code.
    func run() async throws -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        // Before anything is logged: a start-up error honours --log-format / MAXIMIZE_LOG_FORMAT.
        let output = LogOutput.standardError
        output.format = LogFormat.early(flag: command.logFormat, environment: environment) ?? .text
        LoggingSystem.bootstrap { label in DaemonLogHandler(label: label, output: output) }
        let paths = MaximizePaths.resolve(
            stateDirectory: command.stateDir,
            runDirectory: command.runDir,
            configFile: command.config,
            environment: environment
        )
        let loader = ConfigurationLoader(paths: paths, environment: environment, overrides: command.overrides)
        let loaded: LoadedConfiguration
        do {
            loaded = try loader.load()
        } catch {
            throw Failure("invalid configuration: \(error)")
        }
        let settings = loaded.settings
        output.format = settings.server.logFormat
        let baseLogger = Logger(label: "maximize")
        let configuration = RuntimeConfiguration(loaded: loaded, baseLogger: baseLogger)
        let logger = configuration.logger
        for warning in loaded.warnings { logger.warning("\(warning)") }
        if let problem = ListenPolicy.openTCPProblem(settings, allowOpenTCP: command.insecureOpenTcp) {
            throw Failure(problem)
        }
        let controlDirectory = paths.controlDirectory
        do {
            try FileSystem.createDirectory(paths.stateDirectory, mode: 0o700)
            try FileSystem.createDirectory(paths.runDirectory, mode: 0o755)
        } catch {
            throw Failure("\(error)")
        }
        // Before anything else is written (status.json, control/, the socket, temporary files):
        // a second daemon on this run dir must leave everything as it found it. The descriptor
        // stays open, so the lock is held until the process exits.
        do {
            _ = try RunDirectoryLock.acquire(runDirectory: paths.runDirectory)
        } catch {
            guard case .unsupported = error else { throw Failure(error.description) }
            logger.warning("\(error)")
        }
        do {
            try FileSystem.createDirectory(controlDirectory, mode: 0o755)
        } catch {
            throw Failure("\(error)")
        }

        // The watcher first: inotifytools waits with select(), so its descriptor must stay low.
        let router = FileEventRouter()
        var watched = [FileSystem.directoryName(paths.configFile), FileSystem.directoryName(settings.storage.tokenFile), controlDirectory]
        if let seedPath = settings.storage.seedTokenFile { watched.append(FileSystem.directoryName(seedPath)) }
        let watcher: DirectoryWatcher?
        do {
            watcher = try DirectoryWatcher(directories: watched) { router.route($0) }
        } catch {
            logger.error("file watching is off (\(error)); changes are picked up every 30 s instead")
            watcher = nil
        }

        let (credentials, seed) = try await Self.startCredentials(settings: settings, environment: environment, logger: logger)
        let snapshot = credentials.snapshot
        let client = CurlClient()
        let daemon = DaemonContext(paths: paths, configuration: configuration, credentials: credentials, client: client)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, min(System.coreCount, 4)))
        let liveness = LivenessMonitor(loops: Array(group.makeIterator()), curlTurns: { client.loopTurns }, now: WallClock.now())
        let status = StatusPublisher(file: StatusFile(runDirectory: paths.runDirectory), daemon: daemon, liveness: liveness)
        let configHash = loaded.fileSHA256
        status.update {
            $0.config = StatusDocument.Config(path: paths.configFile, sha256: configHash, loadedAt: WallClock.now(), error: nil)
        }
        let server = ProxyServer(daemon: daemon, group: group)
        do {
            try await server.apply(settings)
        } catch {
            status.update { $0.phase = .stopped }
            try? await group.shutdownGracefully()
            client.shutdown()
            throw Failure("\(error)")
        }
        let reloader = ConfigReloader(
            loader: loader,
            daemon: daemon,
            server: server,
            status: status,
            baseLogger: baseLogger,
            allowOpenTCP: command.insecureOpenTcp,
            initialHash: configHash,
            seed: seed
        )
        await reloader.auditPermissions()
        // A shared store: other replicas' rotations arrive by notification; read once more now
        // for anything that changed before the listener was connected.
        let storeListener = StoreListener.start(storage: settings.storage, daemon: daemon, reloader: reloader, status: status)
        if storeListener != nil { await reloader.reloadCredentials() }
        let control = ControlHandler(directory: controlDirectory, daemon: daemon, reloader: reloader, status: status)
        router.connect(
            .init(
                configDirectory: FileSystem.directoryName(paths.configFile),
                configName: FileSystem.baseName(paths.configFile),
                tokenDirectory: FileSystem.directoryName(settings.storage.tokenFile),
                tokenName: FileSystem.baseName(settings.storage.tokenFile),
                controlDirectory: controlDirectory,
                seedDirectory: settings.storage.seedTokenFile.map(FileSystem.directoryName),
                seedName: settings.storage.seedTokenFile.map(FileSystem.baseName),
                reloader: reloader,
                control: control
            )
        )
        status.update {
            $0.phase = .running
            $0.listeners = server.listeners
        }
        logger.info(
            "maximize \(MaximizeVersion.current) ready",
            metadata: [
                "listeners": "\(server.listeners.map { $0.path ?? $0.address ?? "" }.joined(separator: " "))",
                "credentials": "\((snapshot.credential?.kind ?? .none).rawValue)",
                "upstream": "\(settings.api.baseURL)",
            ]
        )

        let listeners = ListenerService(server: server, status: status)
        let parts = Parts(
            client: client,
            group: group,
            watcher: watcher,
            storeListener: storeListener,
            status: status,
            reloader: reloader,
            control: control,
            listeners: listeners
        )
        let failure = await Self.serve(parts, logger: logger)
        await saveBeforeExit(daemon: daemon, logger: logger)
        status.update { $0.phase = .stopped }
        if let failure {
            logger.error("\(failure)")
            return 1
        }
        let cut = listeners.cut.withLockedValue { $0 }
        if cut > 0 {
            logger.warning("cut \(cut) request(s) still in flight after server.drain_timeout_seconds")
            return 1
        }
        logger.info("stopped")
        return 0
    }

    /// A rotated credential still unsaved gets one more write; failing that, the operator is told
    /// what is lost and what to do.
    func saveBeforeExit(daemon: DaemonContext, logger: Logger) async {
        guard daemon.credentials.snapshot.unsaved != nil else { return }
        let saved = await daemon.refresher.saveUnsaved()
        await daemon.refresher.stopRetrying()
        guard !saved, let unsaved = daemon.credentials.snapshot.unsaved else { return }
        let path = daemon.credentials.location
        let message =
            "stopping with unsaved credentials: \(unsaved.reason); the refresh token in \(path) is spent, so this login "
            + "is lost. Free space or make the directory writable and run `maxctl login`"
        logger.error(
            "\(message)",
            metadata: ["file": "\(daemon.credentials.location)"]
        )
    }
}
