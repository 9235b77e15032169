import CInotifyTools
import Glibc
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization

/// Watches directories with libinotifytools on one dedicated thread (the library's state is
/// process-global and not thread-safe) and reports each event to a handler.
///
/// Directories, never files, are watched: a watch on a file dies with its inode, and editors and
/// Kubernetes replace files rather than write them. A directory that disappears is watched again
/// as soon as it comes back: its parent is watched too, so a recreation is seen at once, and
/// missing directories are looked for every second in case the parent went as well.
public final class DirectoryWatcher: Sendable {
    /// One event, copied out of the library's static storage.
    ///
    /// An empty ``name`` is about the directory itself: it went away (`IN_DELETE_SELF`,
    /// `IN_MOVE_SELF`, `IN_IGNORED`) or is watched again (`IN_CREATE | IN_ISDIR`). Either way,
    /// check everything in it: files may have changed while it was not watched.
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

    static let events = Int32(
        IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF
    )
    /// For a parent that is watched only to see a wanted directory come back.
    static let parentEvents = Int32(IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
    /// The watched directory itself is gone (or no longer watched).
    static let gone = UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)

    struct Watch {
        var path: String
        var mask: Int32
    }

    private let wanted: NIOLockedValueBox<Set<String>>
    private let stopped = Atomic<Bool>(false)
    private let handler: @Sendable (Event) -> Void
    /// Watches by descriptor (wanted directories and their parents; more than one when a directory
    /// is reached by several names); touched in `init` before the thread starts, then only on it.
    nonisolated(unsafe) private var watched: [Int32: [Watch]] = [:]

    /// Initializes the library, watches the directories that exist, and starts the thread. Call
    /// early: the library waits with `select()`, so its descriptor must be below 1024.
    public init(directories: [String], handler: @escaping @Sendable (Event) -> Void) throws(WatchError) {
        self.wanted = NIOLockedValueBox(Set(directories.map(Self.normalize)))
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
        reconcile(announce: false)
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

    /// Stops the thread within a second (its current wait ends); does not wait for it.
    public func stop() {
        stopped.store(true, ordering: .releasing)
    }

    static func normalize(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The name libinotifytools files a directory's watch under (with a trailing slash).
    static func key(_ path: String) -> String {
        path.hasSuffix("/") ? path : path + "/"
    }

    /// What to watch: each wanted directory, and its parent (to see it come back).
    static func required(_ wanted: Set<String>) -> [String: Int32] {
        var required: [String: Int32] = [:]
        for directory in wanted {
            required[directory] = events
            let parent = FileSystem.directoryName(directory)
            if parent != directory, !wanted.contains(parent) { required[parent] = parentEvents }
        }
        return required
    }

    // MARK: - The watcher's thread

    private func run() {
        while !stopped.load(ordering: .acquiring) {
            reconcile(announce: true)
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
            guard let watches = watched[wd] else { continue }
            if mask & Self.gone != 0 {
                // Watched again by the next reconcile, as soon as the directory exists.
                forget(wd, movedAway: mask & UInt32(IN_MOVE_SELF) != 0)
                name = ""
            }
            // A parent's events only matter to the next reconcile, which runs right away.
            for watch in watches where watch.mask == Self.events {
                handler(Event(directory: watch.path, name: name, mask: mask))
            }
        }
        for wd in watched.keys { inotifytools_remove_watch_by_wd(wd) }
        watched.removeAll()
    }

    /// Adds watches for required directories that exist and drops those no longer required.
    /// With `announce`, a wanted directory watched (again) is reported with an empty name, so
    /// that what was written in it before the watch was set is checked.
    private func reconcile(announce: Bool) {
        let required = Self.required(wanted.withLockedValue { $0 })
        for (wd, watches) in watched where watches.contains(where: { required[$0.path] != $0.mask }) {
            let kept = watches.filter { required[$0.path] == $0.mask }
            if kept.isEmpty {
                if inotifytools_remove_watch_by_wd(wd) == 0 { forget(wd, movedAway: false) }
                watched[wd] = nil
            } else {
                // Another name for the same directory is still wanted: its kernel watch stays.
                watched[wd] = kept
            }
        }
        let current = Set(watched.values.joined().map(\.path))
        for (path, mask) in required where !current.contains(path) && FileSystem.isDirectory(path) {
            // IN_MASK_ADD: a directory reached by two names keeps the union of their events.
            guard inotifytools_watch_file(path, mask | Int32(IN_MASK_ADD)) != 0 else { continue }
            let wd = inotifytools_wd_from_filename(Self.key(path))
            guard wd > 0 else { continue }
            watched[wd, default: []].append(Watch(path: path, mask: mask))
            if announce, mask == Self.events {
                handler(Event(directory: path, name: "", mask: UInt32(IN_CREATE | IN_ISDIR)))
            }
        }
    }

    /// Makes libinotifytools forget a watch whose directory is gone, so that the directory's
    /// names map to the next watch on it.
    ///
    /// A directory moved away still has its kernel watch, which is removed. A deleted one's watch
    /// is already gone in the kernel, so the library cannot remove its record (it would keep
    /// answering the directory's name with the dead descriptor, and the next watch's events would
    /// go unrecognized); the record is renamed instead, to a name that sorts in the same place
    /// (the library's index stays ordered) and that no directory has. A few dozen bytes stay
    /// allocated per disappearance.
    private func forget(_ wd: Int32, movedAway: Bool) {
        guard let watches = watched.removeValue(forKey: wd) else { return }
        if movedAway { inotifytools_remove_watch_by_wd(wd) }
        for watch in watches where inotifytools_wd_from_filename(Self.key(watch.path)) == wd {
            inotifytools_set_filename_by_filename(Self.key(watch.path), Self.key(watch.path) + "\u{1}")
        }
    }
}
