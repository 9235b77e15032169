import ArgumentParser
import Glibc
import MaximizeCore

/// `maxctl`: operate a `maximize` daemon through its files.
@main
struct Maxctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maxctl",
        abstract: "Log in, inspect and operate the maximize sidecar.",
        discussion: """
            maxctl finds the daemon's files the same way maximize does: --state-dir / MAXIMIZE_STATE_DIR \
            (default ~/.maximize), --run-dir / MAXIMIZE_RUN_DIR (default <state dir>/run) and \
            --config / MAXIMIZE_CONFIG. With no arguments on a terminal, maxctl shows a menu.
            """,
        version: MaximizeVersion.current,
        subcommands: [
            LoginCommand.self, LogoutCommand.self, ImportCommand.self, StatusCommand.self, HealthCommand.self,
            RefreshCommand.self, ReloadCommand.self, ModelsCommand.self, ConfigCommand.self,
        ]
    )

    /// On a terminal, the interactive menu; otherwise the help.
    func run() async throws {
        guard isatty(0) != 0, isatty(1) != 0 else { throw CleanExit.helpRequest(self) }
        await InteractiveMenu().run()
    }
}
