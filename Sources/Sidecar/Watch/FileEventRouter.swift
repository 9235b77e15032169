import MaximizeControl
import MaximizeCore

/// Sends the watcher's events to whoever handles them: configuration, credentials, control.
///
/// Created before the watcher (which must start early) and connected once the handlers exist;
/// events before that are dropped, since everything is read once at start anyway.
final class FileEventRouter: Sendable {
    struct Targets: Sendable {
        var configDirectory: String
        var configName: String
        var tokenDirectory: String
        var tokenName: String
        var controlDirectory: String
        var seedDirectory: String?
        var seedName: String?
        var reloader: ConfigReloader
        var control: ControlHandler
    }

    private let targets = Locked<Targets?>(nil)

    func connect(_ value: Targets) {
        targets.withLock { $0 = value }
    }

    /// On the watcher's thread: classify, then hand over to the async handlers.
    func route(_ event: DirectoryWatcher.Event) {
        guard let targets = targets.withLock({ $0 }) else { return }
        if event.isOverflow {
            Task {
                await targets.reloader.configChanged()
                await targets.reloader.credentialsChanged()
                await targets.reloader.seedChanged()
                await targets.control.scan()
            }
            return
        }
        // A Kubernetes ConfigMap or Secret update swaps the `..data` symlink: no event names the file.
        let relevant = { (name: String) in event.name.isEmpty || event.name == name || event.name == "..data" }
        if event.directory == targets.controlDirectory {
            if let request = ControlRequest(fileName: event.name) {
                Task { await targets.control.handle(request) }
            }
            return
        }
        if event.directory == targets.configDirectory, relevant(targets.configName) {
            Task { await targets.reloader.configChanged() }
        }
        if event.directory == targets.tokenDirectory, relevant(targets.tokenName) {
            Task { await targets.reloader.credentialsChanged() }
        }
        if event.directory == targets.seedDirectory, let seedName = targets.seedName, relevant(seedName) {
            Task { await targets.reloader.seedChanged() }
        }
    }
}
