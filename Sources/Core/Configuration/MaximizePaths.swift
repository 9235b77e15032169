/// Where `maximize` and `maxctl` keep their files: the state dir (`config.json`, `tokens.json`)
/// and the run dir (`maximize.sock`, `status.json`, `control/`).
public struct MaximizePaths: Sendable, Equatable {
    public var stateDirectory: String
    public var runDirectory: String
    public var configFile: String
    /// Whether the configuration file was named by `--config` or `MAXIMIZE_CONFIG` (then it must exist).
    public var configFileIsExplicit: Bool

    public init(stateDirectory: String, runDirectory: String, configFile: String, configFileIsExplicit: Bool) {
        self.stateDirectory = stateDirectory
        self.runDirectory = runDirectory
        self.configFile = configFile
        self.configFileIsExplicit = configFileIsExplicit
    }

    /// Resolves the directories with the contract's precedence: flag, then environment, then default.
    public static func resolve(
        stateDirectory: String? = nil,
        runDirectory: String? = nil,
        configFile: String? = nil,
        environment: [String: String],
        currentDirectory: String = FileSystem.currentDirectory()
    ) -> MaximizePaths {
        func pick(_ flag: String?, _ variable: String) -> String? {
            if let flag, !flag.isEmpty { return flag }
            if let value = environment[variable], !value.isEmpty { return value }
            return nil
        }
        let state = FileSystem.resolvePath(
            pick(stateDirectory, "MAXIMIZE_STATE_DIR") ?? "~/.maximize",
            relativeTo: currentDirectory,
            environment: environment
        )
        let run =
            pick(runDirectory, "MAXIMIZE_RUN_DIR").map {
                FileSystem.resolvePath($0, relativeTo: currentDirectory, environment: environment)
            } ?? state + "/run"
        let explicitConfig = pick(configFile, "MAXIMIZE_CONFIG")
        let config =
            explicitConfig.map {
                FileSystem.resolvePath($0, relativeTo: currentDirectory, environment: environment)
            } ?? state + "/config.json"
        return MaximizePaths(
            stateDirectory: state,
            runDirectory: run,
            configFile: config,
            configFileIsExplicit: explicitConfig != nil
        )
    }

    public var socketDefault: String { runDirectory + "/maximize.sock" }
    public var statusFile: String { runDirectory + "/status.json" }
    public var controlDirectory: String { runDirectory + "/control" }
    public var tokenFileDefault: String { stateDirectory + "/tokens.json" }
}
