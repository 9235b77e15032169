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
        let refresher = TokenRefresher(
            store: TokenFileStore(path: settings.storage.tokenFile),
            oauth: OAuthClient(settings: settings, client: client)
        )
        do {
            switch try await refresher.refresh(force: true) {
            case .refreshed(.oauth(let token)), .current(.oauth(let token)):
                print("Refreshed; the access token is valid until \(token.expiresAt.map(Clock.iso8601) ?? "an unknown time")")
            case .refreshed, .current:
                print("Nothing to refresh: the credential is an API key")
            }
        } catch {
            throw CommandFailure("refresh failed: \(error)")
        }
    }
}
