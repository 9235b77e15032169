import Glibc
import MaximizeCore

/// `<run dir>/maximize.lock`: one daemon per run dir.
///
/// The daemon takes an exclusive open-file-description lock (`F_OFD_SETLK`) on the whole file
/// before it writes anything in the run dir, and holds it until it exits; the kernel releases it
/// however the process ends (even `kill -9`). `maxctl` tests it with `F_OFD_GETLK`, which never
/// takes it, so a probe cannot make a starting daemon fail. The file holds the owner's pid, for
/// messages only; it is never deleted.
public struct RunDirectoryLock: Sendable {
    public static let fileName = "maximize.lock"

    /// `F_OFD_GETLK` and `F_OFD_SETLK` (Linux 3.15), which the C headers define only for `_GNU_SOURCE`.
    static let getLock: Int32 = 36
    static let setLock: Int32 = 37

    public let path: String
    /// Open for the rest of the process's life: closing it would release the lock.
    let descriptor: Int32

    public static func path(runDirectory: String) -> String { runDirectory + "/" + fileName }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Another daemon holds it (its pid when the file says).
        case held(runDirectory: String, pid: Int32?)
        case unusable(path: String, reason: String)
        /// The file system cannot lock (the daemon runs on, unguarded, with a warning).
        case unsupported(path: String, reason: String)

        public var description: String {
            switch self {
            case .held(let runDirectory, let pid):
                "another maximize\(pid.map { " (pid \($0))" } ?? "") is already running with run dir \(runDirectory); "
                    + "stop it first or use another --run-dir"
            case .unusable(let path, let reason):
                "cannot lock \(path): \(reason)"
            case .unsupported(let path, let reason):
                "cannot lock \(path) (\(reason)): a second maximize on this run dir would not be refused; "
                    + "put the run dir on a local file system (tmpfs, emptyDir, a named volume)"
            }
        }
    }

    /// Takes the lock, or fails without changing anything when another daemon holds it.
    public static func acquire(runDirectory: String) throws(Failure) -> RunDirectoryLock {
        let path = path(runDirectory: runDirectory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                throw .unusable(path: path, reason: "it is a symbolic link; remove it (maximize creates its own lock file there)")
            }
            throw .unusable(path: path, reason: "\(String(cString: strerror(code))); check the run dir's owner and mode")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .unusable(path: path, reason: "it is not a regular file; remove it")
        }
        var lock = wholeFile(F_WRLCK)
        guard fcntl(fd, setLock, &lock) == 0 else {
            let code = errno
            close(fd)
            if code == EAGAIN || code == EACCES { throw .held(runDirectory: runDirectory, pid: ownerPid(path)) }
            throw .unsupported(path: path, reason: String(cString: strerror(code)))
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        return RunDirectoryLock(path: path, descriptor: fd)
    }

    /// What a probe can tell about the lock.
    public enum Observation: Sendable, Equatable {
        /// A process holds it: a daemon runs with this run dir (or is starting).
        case held
        /// The file exists and nobody holds it: no daemon runs with this run dir.
        case free
        /// No lock file (a daemon without one, or never started), or it cannot be tested.
        case unknown
    }

    /// Tests the lock without taking it.
    public static func observe(runDirectory: String) -> Observation {
        let fd = open(path(runDirectory: runDirectory), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return .unknown }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .unknown }
        var lock = wholeFile(F_WRLCK)
        guard fcntl(fd, getLock, &lock) == 0 else { return .unknown }
        return lock.l_type == Int16(F_UNLCK) ? .free : .held
    }

    /// The pid the file names, if any.
    public static func ownerPid(_ path: String) -> Int32? {
        guard let bytes = (try? FileSystem.readFile(path, limit: 64)) ?? nil else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }).flatMap { $0 > 0 ? $0 : nil }
    }

    private static func wholeFile(_ type: Int32) -> flock {
        var lock = flock()
        lock.l_type = Int16(type)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        lock.l_pid = 0
        return lock
    }
}
