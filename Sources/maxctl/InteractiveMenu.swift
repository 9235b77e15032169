import ArgumentParser
import MaximizeCore

/// `maxctl` with no arguments on a terminal: a menu over the everyday actions.
struct InteractiveMenu {
    struct Item {
        var key: String
        var title: String
        var action: () async throws -> Void
    }

    var items: [Item] {
        [
            Item(key: "1", title: "Log in (OAuth in the browser)") { try await LoginCommand.parse([]).run() },
            Item(key: "2", title: "Status") { try StatusCommand.parse([]).run() },
            Item(key: "3", title: "Refresh the access token now") { try await RefreshCommand.parse([]).run() },
            Item(key: "4", title: "Models and nicknames") { try ModelsCommand.parse([]).run() },
            Item(key: "5", title: "Log out") { try await LogoutCommand.parse([]).run() },
        ]
    }

    func run() async {
        while true {
            print("\nmaximize \(MaximizeVersion.current)")
            for item in items { print("  \(item.key)) \(item.title)") }
            print("  q) Quit")
            print("Choose: ", terminator: "")
            flushOutput()
            guard let line = readLine()?.trimmingCharacters(in: " "), line != "q", line != "Q" else { return }
            guard let item = items.first(where: { $0.key == line }) else {
                print("Choose one of \(items.map(\.key).joined(separator: ", ")) or q.")
                continue
            }
            do {
                try await item.action()
            } catch {
                printError("error: \(Maxctl.message(for: error))")
            }
        }
    }
}

extension String {
    func trimmingCharacters(in characters: Character) -> String {
        var slice = Substring(self)
        while slice.first == characters { slice.removeFirst() }
        while slice.last == characters { slice.removeLast() }
        return String(slice)
    }
}
