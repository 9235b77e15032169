import ArgumentParser
import MaximizeCore

/// `maxctl config [--check]`: the effective configuration and where each value comes from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration with each value's source, or validate it."
    )

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "Only validate; exit 1 with the problem when the configuration is invalid.")
    var check = false

    func run() throws {
        let loaded = try options.loadConfiguration()
        for warning in loaded.warnings { printError("warning: \(warning)") }
        if check {
            print("configuration OK (\(loaded.fileExists ? options.paths.configFile : "no config.json; defaults"))")
            return
        }
        let keyWidth = loaded.entries.map(\.key.count).max() ?? 10
        let valueWidth = min(60, loaded.entries.map(\.value.count).max() ?? 10)
        for entry in loaded.entries {
            print(entry.key.padding(keyWidth) + "  " + entry.value.padding(valueWidth) + "  " + entry.source.description)
        }
    }
}
