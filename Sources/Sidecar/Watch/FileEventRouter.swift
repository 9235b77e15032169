import MaximizeCore
import MaximizeWatch
import NIOConcurrencyHelpers

/// Sends the watcher's events to whoever handles them: configuration, credentials, control.
///
/// Created before the watcher (which must start early) and connected once the handlers exist,
/// which is after the listeners open. An event in between is not lost: connecting then checks
/// everything once (a change written the moment the socket accepts is applied).
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

    /// The handlers once connected; `missed` when an event came before them.
    private let state = NIOLockedValueBox<(targets: Targets?, missed: Bool)>((nil, false))

    func connect(_ value: Targets) {
        let missed = state.withLockedValue { state in
            state.targets = value
            return state.missed
        }
        if missed { Self.checkEverything(value) }
    }

    /// On the watcher's thread: classify, then hand over to the async handlers. An event with no
    /// name is about a watched directory itself (gone, or watched again): everything in it is
    /// checked.
    func route(_ event: DirectoryWatcher.Event) {
        let targets = state.withLockedValue { state in
            if state.targets == nil { state.missed = true }
            return state.targets
        }
        guard let targets else { return }
        if event.isOverflow {
            Self.checkEverything(targets)
            return
        }
        // A Kubernetes ConfigMap or Secret update swaps the `..data` symlink: no event names the file.
        let relevant = { (name: String) in event.name.isEmpty || event.name == name || event.name == "..data" }
        // Control events only signal the control worker: a burst of files costs no more memory.
        if event.directory == targets.controlDirectory {
            targets.control.scan()
            return
        }
        if event.directory == targets.configDirectory, relevant(targets.configName) {
            targets.reloader.request(.configuration)
        }
        if event.directory == targets.tokenDirectory, relevant(targets.tokenName) {
            targets.reloader.request(.credentials)
        }
        if event.directory == targets.seedDirectory, let seedName = targets.seedName, relevant(seedName) {
            targets.reloader.request(.seed)
        }
    }

    /// Re-reads what events would have named: after an overflow, or events before connecting.
    /// Each check compares contents, so one with nothing new changes nothing.
    private static func checkEverything(_ targets: Targets) {
        targets.control.scan()
        targets.reloader.request(.configuration)
        targets.reloader.request(.credentials)
        targets.reloader.request(.seed)
    }
}
