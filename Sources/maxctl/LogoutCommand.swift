import ArgumentParser
import MaximizeCore

/// `maxctl logout`: remove the credentials.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the saved credentials (the daemon becomes unauthenticated)."
    )

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let settings = try options.loadConfiguration().settings
        let backend = try options.credentialBackend(settings)
        let existed = (try? await backend.load()) != nil
        try await storeCredential(nil, in: backend)
        LoginPending(stateDirectory: options.paths.stateDirectory).remove()
        print(existed ? "Logged out: removed the credentials from \(backend.location)" : "No credentials to remove at \(backend.location)")
    }
}
