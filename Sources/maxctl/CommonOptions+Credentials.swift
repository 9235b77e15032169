import MaximizeCore
import MaximizePostgres

extension CommonOptions {
    /// The credential store the daemon uses, found by the same settings.
    func credentialBackend(_ settings: Settings) throws -> any CredentialBackend {
        do {
            return try StorageBackends.make(settings.storage)
        } catch {
            throw CommandFailure("cannot use the credential store: \(error)")
        }
    }
}

/// Stores `credential` (`nil` removes it) under the backend's lock, as every writer does.
func storeCredential(_ credential: Credential?, in backend: any CredentialBackend) async throws {
    let outcome: Result<Void, CredentialStorageError>
    do {
        outcome = try await backend.withExclusiveAccess(timeout: 30) { transaction in
            do throws(CredentialStorageError) {
                try await transaction.write(credential)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    } catch {
        throw CommandFailure("\(error)")
    }
    if case .failure(let error) = outcome { throw CommandFailure("\(error)") }
}
