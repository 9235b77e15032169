import ArgumentParser
import MaximizeCore

/// `maxctl models`: the nickname table in force.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Show the model nicknames and the model ids they stand for."
    )

    @OptionGroup var options: CommonOptions

    func run() throws {
        let settings = try options.loadConfiguration().settings
        let rows = ModelCatalog.sortedNicknames(settings)
        let width = max(8, rows.map(\.0.count).max() ?? 0)
        print("NICKNAME".padding(width) + "  MODEL")
        for (nickname, model) in rows {
            let marker = nickname == settings.models.defaultModel ? "  (default)" : ""
            print(nickname.padding(width) + "  " + model + marker)
        }
        if settings.models.nicknames[settings.models.defaultModel] == nil {
            print("default: \(settings.models.defaultModel)")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
