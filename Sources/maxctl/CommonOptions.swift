import ArgumentParser
import MaximizeCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The directory options every subcommand takes, resolved like the daemon resolves them.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "State directory (env MAXIMIZE_STATE_DIR; default ~/.maximize).")
    var stateDir: String?

    @Option(name: .long, help: "Run directory (env MAXIMIZE_RUN_DIR; default <state dir>/run).")
    var runDir: String?

    @Option(name: .long, help: "Configuration file (env MAXIMIZE_CONFIG; default <state dir>/config.json).")
    var config: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var paths: MaximizePaths {
        MaximizePaths.resolve(stateDirectory: stateDir, runDirectory: runDir, configFile: config, environment: environment)
    }

    /// The effective configuration, or a clear error.
    func loadConfiguration() throws -> LoadedConfiguration {
        do {
            return try ConfigurationLoader(paths: paths, environment: environment).load()
        } catch {
            throw CommandFailure("invalid configuration: \(error)")
        }
    }
}

/// A failure reported on stderr with exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
