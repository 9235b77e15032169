import ServiceLifecycle

/// A part of the daemon that runs on its own thread (the libcurl client, the event loops, the
/// directory watcher, the shared store's listener) as a service of the group: it does nothing
/// until its turn in the group's graceful shutdown, then releases the part. Being early in the
/// group, its turn comes after the services that use the part have stopped.
///
/// Cancelled instead (the group failed, or its shutdown overran), it releases nothing: every
/// service is cancelled at once then, and the part may still be in use. The daemon releases the
/// parts in order once the group has ended (each release is idempotent).
struct ShutdownHook: Service, CustomStringConvertible {
    let description: String
    let release: @Sendable () async -> Void

    init(_ description: String, release: @escaping @Sendable () async -> Void) {
        self.description = description
        self.release = release
    }

    func run() async {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        await release()
    }
}
