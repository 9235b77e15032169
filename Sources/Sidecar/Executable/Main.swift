import ArgumentParser
import MaximizeSidecar

/// The `maximize` executable: everything it does lives in `MaximizeSidecar`.
@main
enum Main {
    static func main() {
        if CommandLine.arguments.count == 2, CommandLine.arguments[1] == FetchCommand.argument {
            FetchCommand.main()
        }
        MaximizeCommand.start()
    }
}
