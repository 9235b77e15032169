import Logging
import MaximizeCore
import MaximizePostgres

extension Daemon {
    /// The credential store at start: stale temporary files cleaned, the seed file and the
    /// environment adopted when nothing is stored, the credential read once.
    static func startCredentials(
        settings: Settings,
        environment: [String: String],
        logger: Logger
    ) async throws -> (CredentialStore, SeedTokenFile?) {
        let backend: any CredentialBackend
        do {
            backend = try StorageBackends.make(settings.storage)
        } catch {
            throw Failure("cannot use the credential store: \(error)")
        }
        if let shared = backend as? PostgresCredentialBackend {
            do {
                try await shared.prepare()
            } catch {
                // Served from nothing until the database is back: the listener reconnects.
                logger.error("\(error); retrying in the background")
            }
        }
        var seed: SeedTokenFile?
        if let file = backend as? FileCredentialBackend {
            let store = file.store
            // Only when the lock is free: another process holding it may be mid-refresh, its new
            // token's space claimed in a temporary file; start-up does not wait for its OAuth call.
            _ = try? store.withLockIfFree { store.removeStaleTemporaryFiles() }
            seed = settings.storage.seedTokenFile.map { SeedTokenFile(path: $0, store: store) }
            if let seed {
                do {
                    if try seed.synchronize() == .adopted {
                        logger.info("credentials copied from the seed token file", metadata: ["seed": "\(seed.path)"])
                    }
                } catch {
                    logger.error("the seed token file cannot be used: \(error)", metadata: ["seed": "\(seed.path)"])
                }
            }
        } else if let seedPath = settings.storage.seedTokenFile {
            logger.warning(
                "storage.seed_token_file is not used with the \(backend.kind) store; run `maxctl import FILE` once instead",
                metadata: ["seed": "\(seedPath)"]
            )
        }
        if let credential = Credential(environment: environment) {
            do {
                if try await backend.seed(credential) {
                    logger.info("credentials seeded from the environment", metadata: ["store": "\(backend.location)"])
                }
            } catch {
                logger.error("cannot seed credentials from the environment: \(error)")
            }
        }
        let credentials = CredentialStore(backend: backend)
        await credentials.reloadFromBackend(now: WallClock.now())
        let snapshot = credentials.snapshot
        if let error = snapshot.loadError {
            logger.error("\(error)")
        } else if snapshot.credential == nil {
            logger.warning("no credentials yet: run `maxctl login` or `maxctl import FILE`", metadata: ["store": "\(backend.location)"])
        }
        return (credentials, seed)
    }
}
