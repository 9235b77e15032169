import ArgumentParser
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
            --config / MAXIMIZE_CONFIG.
            """,
        version: MaximizeVersion.current,
        subcommands: [
            LoginCommand.self, LogoutCommand.self, ImportCommand.self, RefreshCommand.self, ModelsCommand.self,
            ConfigCommand.self,
        ]
    )
}
