/// Resolves ``Settings`` with the contract's precedence: flag, environment, `config.json`, default.
public struct ConfigurationLoader: Sendable {
    public var paths: MaximizePaths
    public var environment: [String: String]
    /// Values given on the command line, by dotted key (`server.port`), with the flag's name.
    public var overrides: [String: (flag: String, value: String)]

    public init(
        paths: MaximizePaths,
        environment: [String: String],
        overrides: [String: (flag: String, value: String)] = [:]
    ) {
        self.paths = paths
        self.environment = environment
        self.overrides = overrides
    }

    /// Reads `config.json` (when present) and resolves every setting.
    public func load() throws(ConfigurationError) -> LoadedConfiguration {
        let bytes = try readFile()
        if let missing = missingFileError(bytes) { throw missing }
        return try load(fileContents: bytes)
    }

    /// The configuration file's bytes, read through symlinks; `nil` when there is no file.
    /// Never blocks: anything but a regular file is an error naming the path.
    public func readFile() throws(ConfigurationError) -> [UInt8]? {
        do {
            return try FileSystem.readFile(paths.configFile, limit: 1 << 20)
        } catch {
            throw ConfigurationError(origin: paths.configFile, message: error.problem)
        }
    }

    /// The error for a file named by `--config`/`MAXIMIZE_CONFIG` that is not there; a missing
    /// default `config.json` only means defaults.
    public func missingFileError(_ contents: [UInt8]?) -> ConfigurationError? {
        guard contents == nil, paths.configFileIsExplicit else { return nil }
        return ConfigurationError(
            origin: paths.configFile,
            message: "the configuration file does not exist; create it or drop --config/MAXIMIZE_CONFIG"
        )
    }

    /// Resolves every setting from the given `config.json` contents (`nil`: no file).
    public func load(fileContents: [UInt8]?) throws(ConfigurationError) -> LoadedConfiguration {
        var root: JSONObject?
        if let fileContents, !fileContents.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let value: JSONValue
            do {
                value = try JSONParser.parse(fileContents)
            } catch {
                throw ConfigurationError(
                    origin: paths.configFile,
                    message: "not valid JSON: \(error.message) at line \(error.line), column \(error.column)"
                )
            }
            guard let object = value.objectValue else {
                throw ConfigurationError(origin: paths.configFile, message: "must be a JSON object")
            }
            root = object
        }
        var resolver = ConfigurationResolver(
            file: root,
            filePath: paths.configFile,
            environment: environment,
            overrides: overrides,
            baseDirectory: paths.stateDirectory
        )
        let settings = try resolver.resolveSettings(paths: paths)
        return LoadedConfiguration(
            settings: settings,
            fileSHA256: fileContents.map { SHA256.hexDigest($0) },
            entries: resolver.entries,
            warnings: resolver.unknownKeyWarnings(),
            fileExists: fileContents != nil
        )
    }
}

/// The outcome of ``ConfigurationLoader/load()``.
public struct LoadedConfiguration: Sendable {
    public var settings: Settings
    /// The hash of the file's content (`nil`: no file), for `status.json` and change detection.
    public var fileSHA256: String?
    /// Every setting with its displayed value and source, in table order.
    public var entries: [ConfigurationEntry]
    /// Keys in `config.json` that mean nothing (likely typos).
    public var warnings: [String]
    public var fileExists: Bool
}
