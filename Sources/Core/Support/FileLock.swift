import Glibc

/// An exclusive `flock` on a lock file (opened by ``FileSystem/openLockFile(_:)``): the one
/// helper for every `flock` here. Released, and the file closed, when the value goes away.
public struct FileLock: ~Copyable {
    public let path: String
    private let descriptor: Int32

    /// Opens (creating) the lock file at `path`; the lock is not taken yet.
    public init(path: String) throws(FileSystemError) {
        self.path = path
        descriptor = try FileSystem.openLockFile(path)
    }

    /// Takes the lock, waiting in the kernel for as long as another process holds it.
    public func lock() throws(FileSystemError) {
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR { throw FileSystemError(path: path, operation: "lock", code: errno) }
        }
    }

    /// Takes the lock if nobody holds it; `false` when another process does.
    public func tryLock() throws(FileSystemError) -> Bool {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            switch errno {
            case EINTR: continue
            case EWOULDBLOCK: return false
            case let code: throw FileSystemError(path: path, operation: "lock", code: code)
            }
        }
        return true
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
