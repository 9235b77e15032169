import Glibc

extension TokenFileStore {
    /// Runs `body` holding the exclusive `flock` on `tokens.json.lock`, waiting for it without
    /// blocking a thread (the lock is polled), for at most `timeout` seconds.
    ///
    /// Held across a refresh's network call, so that no other process can refresh or write in
    /// between: the rotated token is on disk before anyone else reads the file.
    public func withLock<T: Sendable>(timeout: Double = 120, _ body: () async throws -> T) async throws -> T {
        let lock = try openLock()
        let deadline = WallClock.now() + timeout
        while try !lock.tryLock() {
            guard WallClock.now() < deadline else { throw FileSystemError(path: lockPath, operation: "lock (timed out)", code: EWOULDBLOCK) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try await body()
    }

    /// Identifies the file's current version cheaply (inode, size, modification time).
    public func fingerprint() -> FileFingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileFingerprint(
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        )
    }
}

/// A file version as `stat` tells it.
public struct FileFingerprint: Sendable, Equatable {
    public var inode: UInt64
    public var size: Int64
    public var modified: Int64
}
