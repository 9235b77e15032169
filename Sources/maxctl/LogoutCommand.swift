import ArgumentParser
import MaximizeCore

/// `maxctl logout`: remove the credentials.
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the saved credentials (the daemon becomes unauthenticated)."
    )

    @OptionGroup var options: CommonOptions

    func run() throws {
        let settings = try options.loadConfiguration().settings
        let store = TokenFileStore(path: settings.storage.tokenFile)
        let existed = FileSystem.fileExists(store.path)
        try store.withLock { try store.remove() }
        LoginPending(stateDirectory: options.paths.stateDirectory).remove()
        print(existed ? "Logged out: removed \(store.path)" : "No credentials to remove at \(store.path)")
    }
}
