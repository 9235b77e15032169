import MaximizeSidecar

/// The `maximize` executable: everything it does lives in `MaximizeSidecar`.
@main
enum Main {
    static func main() {
        MaximizeCommand.start()
    }
}
