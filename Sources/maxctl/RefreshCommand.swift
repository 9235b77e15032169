import ArgumentParser
import MaximizeControl
import MaximizeCore

/// `maxctl refresh`: refresh the OAuth access token now.
struct RefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Refresh the OAuth access token now.",
        discussion: """
            With a daemon running, asks it through a control file and waits for the result. With none, \
            refreshes itself, under the same lock the daemon uses.
            """
    )

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Seconds to wait for the daemon's answer.")
    var timeout: Double = 60

    func run() async throws {
        let link = DaemonLink(paths: options.paths)
        if try link.runningStatus() != nil {
            let result = try await link.submit(.refresh, timeout: timeout)
            guard result.hasPrefix("ok") else { throw CommandFailure("refresh failed: \(result)") }
            print(result)
            return
        }
        let settings = try options.loadConfiguration().settings
        let client = FetchTransport(environment: options.environment)
        let backend = try options.credentialBackend(settings)
        let refresher = TokenRefresher(backend: backend, oauth: OAuthClient(settings: settings, client: client))
        do {
            switch try await refresher.refresh(force: true) {
            case .refreshed(.oauth(let token)), .current(.oauth(let token)):
                print("Refreshed; the access token is valid until \(token.expiresAt.map(Timestamp.iso8601) ?? "an unknown time")")
            case .refreshed, .current:
                print("Nothing to refresh: the credential is an API key")
            case .refreshedUnsaved(let credential, let replaces, let reason):
                try await Self.saveLate(credential, replacing: replaces, backend: backend, firstFailure: reason)
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("refresh failed: \(error)")
        }
    }

    /// The token endpoint rotated the token but the store could not take it (the space claimed
    /// beforehand was taken from under us, the database went away): try a few more times before
    /// giving up, since the refresh token stored is spent.
    static func saveLate(
        _ credential: Credential,
        replacing replaces: Credential,
        backend: any CredentialBackend,
        firstFailure: CredentialStorageError
    ) async throws {
        var failure = firstFailure
        for _ in 0..<5 {
            try await Task.sleep(for: .seconds(1))
            let outcome: Result<Bool, CredentialStorageError>
            do {
                outcome = try await backend.withExclusiveAccess(timeout: 10) { transaction in
                    guard (try? await transaction.read()) == replaces else { return .success(false) }
                    do throws(CredentialStorageError) {
                        try await transaction.write(credential)
                        return .success(true)
                    } catch {
                        return .failure(error)
                    }
                }
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(true):
                print("Refreshed; the new token was saved after a retry")
                return
            case .success(false):
                throw CommandFailure("refreshed, but \(backend.location) was replaced meanwhile; the new token was not saved")
            case .failure(let error):
                failure = error
            }
        }
        throw CommandFailure(
            "refreshed, but the new token could not be saved to \(backend.location) (\(failure.reason)); the refresh token "
                + "it holds is now spent. Make the store writable, then run `maxctl login`"
        )
    }
}
