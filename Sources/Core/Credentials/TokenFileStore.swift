import Glibc

/// `tokens.json` on disk: read, and written only atomically under an exclusive `flock` on
/// `tokens.json.lock` in the same directory (the lock file is never deleted, and a symbolic link
/// in its place is refused).
public struct TokenFileStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var lockPath: String { path + ".lock" }

    /// The credentials in the file; `nil` when the file is missing or empty.
    public func read() throws(CredentialError) -> Credential? {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readFile(path, limit: 1 << 20)
        } catch {
            throw .unreadable(path: path, reason: error.problem)
        }
        guard let bytes else { return nil }
        return try TokenFile.parse(bytes, path: path)
    }

    /// Replaces the file's content atomically with `credential` (mode 0600). Call under ``withLock(_:)``.
    public func write(_ credential: Credential) throws(FileSystemError) {
        try FileSystem.createDirectory(FileSystem.directoryName(path), mode: 0o700)
        try FileSystem.writeAtomically(TokenFile.serialize(credential), to: path, mode: 0o600)
    }

    /// Claims the space for a later write of the file (see ``ReservedFile``). Call under the lock.
    public func reserveWrite(bytes: Int) throws(FileSystemError) -> ReservedFile {
        try FileSystem.createDirectory(FileSystem.directoryName(path), mode: 0o700)
        return try ReservedFile(replacing: path, mode: 0o600, reserving: bytes)
    }

    /// Removes the credentials. Call under ``withLock(_:)``.
    public func remove() throws(FileSystemError) {
        if unlink(path) != 0, errno != ENOENT {
            throw FileSystemError(path: path, operation: "remove", code: errno)
        }
    }

    /// Removes temporary files that a process killed mid-write left beside the token file.
    /// Call under ``withLock(_:)``.
    public func removeStaleTemporaryFiles() {
        let directory = FileSystem.directoryName(path)
        let prefix = ".\(FileSystem.baseName(path)).tmp-"
        for name in FileSystem.directoryEntries(directory) where name.hasPrefix(prefix) {
            unlink(directory + "/" + name)
        }
    }

    /// Runs `body` holding the exclusive lock shared by every process that writes this file.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        let lock = try openLock()
        try lock.lock()
        return try body()
    }

    /// Runs `body` holding the lock if nobody else holds it now; `nil` (and `body` not run) when
    /// another process does, for work that may wait for a later chance.
    public func withLockIfFree<T>(_ body: () throws -> T) throws -> T? {
        let lock = try openLock()
        guard try lock.tryLock() else { return nil }
        return try body()
    }

    /// Opens `tokens.json.lock` (creating the directory), not locked yet.
    func openLock() throws(FileSystemError) -> FileLock {
        try FileSystem.createDirectory(FileSystem.directoryName(path), mode: 0o700)
        return try FileLock(path: lockPath)
    }
}
