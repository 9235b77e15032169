import Logging
import MaximizeCore
import MaximizePostgres

/// Keeps the daemon's copy of a shared store's credential current: a notification from another
/// replica reloads it at once, and a lost connection makes the state `degraded` (the token in
/// memory keeps serving; nobody refreshes without the store's lock) until it is back.
enum StoreListener {
    static func start(
        storage: Settings.Storage,
        daemon: DaemonContext,
        reloader: ConfigReloader,
        status: StatusPublisher
    ) -> PostgresCredentialListener? {
        guard storage.backend == .postgres, let url = storage.postgresURL else { return nil }
        let password = try? storage.postgresPasswordFile.map(StorageBackends.password(from:))
        let listener = PostgresCredentialListener(
            url: url,
            password: password,
            credentialName: storage.credentialName,
            onChange: {
                reloader.request(.credentials, debounced: false)
            },
            onState: { state in
                let logger = daemon.current.logger
                switch state {
                case .connected:
                    daemon.credentials.recordStoreProblem(nil)
                    // The first connection too: a replica that started with the database down
                    // has nothing yet.
                    reloader.request(.credentials, debounced: false)
                    logger.info("credential store connected", metadata: ["store": "\(daemon.credentials.location)"])
                case .disconnected(let reason):
                    daemon.credentials.recordStoreProblem(reason)
                    logger.warning(
                        "credential store unreachable; the token in memory is used while it lasts",
                        metadata: ["store": "\(daemon.credentials.location)", "reason": "\(reason)"]
                    )
                }
                status.publish()
            }
        )
        listener.start()
        return listener
    }
}
