import ArgumentParser
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
        let client = CurlClient()
        defer { client.shutdown() }
        let store = TokenFileStore(path: settings.storage.tokenFile)
        let refresher = TokenRefresher(store: store, oauth: OAuthClient(settings: settings, client: client))
        do {
            switch try await refresher.refresh(force: true) {
            case .refreshed(.oauth(let token)), .current(.oauth(let token)):
                print("Refreshed; the access token is valid until \(token.expiresAt.map(Clock.iso8601) ?? "an unknown time")")
            case .refreshed, .current:
                print("Nothing to refresh: the credential is an API key")
            case .refreshedUnsaved(let credential, let replaces, let reason):
                try await Self.saveLate(credential, replacing: replaces, store: store, firstFailure: reason)
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("refresh failed: \(error)")
        }
    }

    /// The token endpoint rotated the token but the file could not be written (the space claimed
    /// beforehand was taken from under us): try a few more times before giving up, since the
    /// refresh token on disk is spent.
    static func saveLate(
        _ credential: Credential,
        replacing replaces: Credential,
        store: TokenFileStore,
        firstFailure: FileSystemError
    ) async throws {
        var failure = firstFailure
        for _ in 0..<5 {
            try await Task.sleep(for: .seconds(1))
            do {
                let saved = try await store.withLock { () async throws -> Bool in
                    guard (try? store.read()) == replaces else { return false }
                    try store.write(credential)
                    return true
                }
                guard saved else {
                    throw CommandFailure("refreshed, but \(store.path) was replaced meanwhile; the new token was not saved")
                }
                print("Refreshed; the new token was saved after a retry")
                return
            } catch let error as FileSystemError {
                failure = error
            }
        }
        throw CommandFailure(
            "refreshed, but the new token could not be saved to \(store.path) (\(failure.explanation)); the refresh token it "
                + "holds is now spent. Free space or make the directory writable, then run `maxctl login`"
        )
    }
}
