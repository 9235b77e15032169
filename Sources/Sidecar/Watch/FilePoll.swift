import MaximizeCore
import ServiceLifecycle

/// The safety net for mounts that drop inotify events: the seed token file, the credentials and
/// `config.json` are checked at start and every ``interval`` seconds (each check compares
/// contents, so an unchanged file costs a read and a hash).
struct FilePoll: Service, CustomStringConvertible {
    let reloader: ConfigReloader

    static let interval = 30.0

    var description: String { "file poll" }

    /// Until graceful shutdown.
    func run() async {
        await cancelWhenGracefulShutdown { [reloader] in
            while !Task.isCancelled {
                await reloader.synchronizeSeed()
                await reloader.reloadCredentials()
                _ = await reloader.reloadConfiguration(force: false)
                try? await Task.sleep(for: .milliseconds(Int64(Self.interval * 1000)))
            }
        }
    }
}
