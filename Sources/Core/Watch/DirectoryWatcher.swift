import CInotifyTools
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Watches directories with libinotifytools on one dedicated thread (the library's state is
/// process-global and not thread-safe) and reports each event to a handler.
///
/// Directories, never files, are watched: a watch on a file dies with its inode, and editors and
/// Kubernetes replace files rather than write them. A directory that disappears is watched again
/// when it comes back.
public final class DirectoryWatcher: Sendable {
    /// One event, copied out of the library's static storage.
    public struct Event: Sendable, Equatable {
        public var directory: String
        public var name: String
        public var mask: UInt32
        /// The kernel's queue overflowed: events were lost, rescan everything.
        public var isOverflow: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }
    }

    public struct WatchError: Error, CustomStringConvertible {
        public var description: String
    }

    static let events = Int32(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

    private let wanted: Locked<Set<String>>
    private let stopped = Atomic<Bool>(false)
    private let handler: @Sendable (Event) -> Void
    /// Watched directories by watch descriptor; touched in `init` before the thread starts, then only on it.
    nonisolated(unsafe) private var watched: [Int32: String] = [:]

    /// Initializes the library, watches the directories that exist, and starts the thread. Call
    /// early: the library waits with `select()`, so its descriptor must be below 1024.
    public init(directories: [String], handler: @escaping @Sendable (Event) -> Void) throws(WatchError) {
        self.wanted = Locked(Set(directories.map(Self.normalize)))
        self.handler = handler
        let probe = dup(0)
        if probe >= 0 { close(probe) }
        guard probe < 1000 else {
            throw WatchError(
                description: "too many open files before the file watcher started (descriptor \(probe)); inotifytools needs one below 1024"
            )
        }
        guard inotifytools_initialize() != 0 else {
            throw WatchError(
                description: "cannot initialize inotify: \(String(cString: strerror(inotifytools_error()))); raise fs.inotify.max_user_instances"
            )
        }
        // The first watches now, not when the thread first runs: a change made as soon as the
        // caller goes on (the daemon opening its socket, say) is seen.
        reconcile()
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        pthread_create(
            &thread,
            nil,
            { argument in
                let watcher = Unmanaged<DirectoryWatcher>.fromOpaque(argument!).takeRetainedValue()
                watcher.run()
                return nil
            },
            box
        )
    }

    /// Replaces the set of watched directories (applied within a second).
    public func setDirectories(_ directories: [String]) {
        wanted.withLock { $0 = Set(directories.map(Self.normalize)) }
    }

    /// Stops the thread within a second (its current wait ends); does not wait for it.
    public func stop() {
        stopped.store(true, ordering: .releasing)
    }

    static func normalize(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    // MARK: - The watcher's thread

    private func run() {
        while !stopped.load(ordering: .acquiring) {
            reconcile()
            guard let event = inotifytools_next_event(1) else { continue }
            let mask = event.pointee.mask
            let wd = event.pointee.wd
            var name = ""
            if event.pointee.len > 0 {
                let base = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
                name = String(cString: base.assumingMemoryBound(to: CChar.self))
            }
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                handler(Event(directory: "", name: "", mask: mask))
                continue
            }
            guard let directory = watched[wd] else { continue }
            if mask & UInt32(IN_IGNORED) != 0 {
                // The directory went away (or was replaced): watch it again when it exists.
                watched[wd] = nil
                handler(Event(directory: directory, name: "", mask: mask))
                continue
            }
            handler(Event(directory: directory, name: name, mask: mask))
        }
        for wd in watched.keys { inotifytools_remove_watch_by_wd(wd) }
        watched.removeAll()
    }

    /// Adds watches for wanted directories that exist and drops those no longer wanted.
    private func reconcile() {
        let wanted = self.wanted.withLock { $0 }
        for (wd, directory) in watched where !wanted.contains(directory) {
            inotifytools_remove_watch_by_wd(wd)
            watched[wd] = nil
        }
        let current = Set(watched.values)
        for directory in wanted where !current.contains(directory) && FileSystem.isDirectory(directory) {
            if inotifytools_watch_file(directory, Self.events) != 0 {
                let wd = inotifytools_wd_from_filename(directory + "/")
                let fallback = inotifytools_wd_from_filename(directory)
                let id = wd > 0 ? wd : fallback
                if id > 0 { watched[id] = directory }
            }
        }
    }
}
