import MaximizeSidecar

/// The `maximize` executable: everything it does lives in `MaximizeSidecar`.
@main
enum Main {
    static func main() async {
        // Before the first await, while the main thread is the only one: every thread started
        // later (NIO's, libcurl's, the concurrency runtime's) inherits the signal mask.
        MaximizeCommand.prepareProcess()
        await MaximizeCommand.main()
    }
}
