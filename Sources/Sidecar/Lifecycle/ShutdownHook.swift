import ServiceLifecycle

/// A part of the daemon that runs on its own thread (the libcurl client, the event loops, the
/// directory watcher, the shared store's listener) as a service of the group: it does nothing
/// until the group shuts down (gracefully or by cancellation), then releases the part. Being early
/// in the group, it is released after the services that use it have stopped.
struct ShutdownHook: Service, CustomStringConvertible {
    let description: String
    let release: @Sendable () async -> Void

    init(_ description: String, release: @escaping @Sendable () async -> Void) {
        self.description = description
        self.release = release
    }

    func run() async {
        try? await gracefulShutdown()
        await release()
    }
}
