import ArgumentParser
import MaximizeControl
import MaximizeCore

/// `maxctl reload`: ask the daemon to re-read `config.json` and `tokens.json`.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Ask the running daemon to re-read config.json and tokens.json now."
    )

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Seconds to wait for the daemon's answer.")
    var timeout: Double = 30

    func run() async throws {
        let link = DaemonLink(paths: options.paths)
        guard try link.runningStatus() != nil else {
            throw CommandFailure("no maximize daemon is running with run dir \(options.paths.runDirectory); nothing to reload")
        }
        let result = try await link.submit(.reload, timeout: timeout)
        guard result.hasPrefix("ok") else { throw CommandFailure("reload failed: \(result)") }
        print(result)
    }
}
