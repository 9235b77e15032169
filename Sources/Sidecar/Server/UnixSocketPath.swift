import Glibc
import MaximizeCore

/// Checks and prepares the Unix socket's path before binding.
enum UnixSocketPath {
    /// The kernel's limit for `sun_path`, without the terminating NUL.
    static let maximumLength = 107

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates the directory, refuses unusable paths, and removes a stale socket file.
    ///
    /// A socket with a live server behind it is not taken over.
    static func prepare(_ path: String) throws(Problem) {
        guard path.utf8.count <= maximumLength else {
            throw Problem(
                description:
                    "server.socket_path is \(path.utf8.count) bytes long; the kernel allows \(maximumLength). Choose a shorter path (or a shorter --run-dir)."
            )
        }
        let directory = FileSystem.directoryName(path)
        do {
            try FileSystem.createDirectory(directory, mode: 0o755)
        } catch {
            throw Problem(description: "cannot create the socket's directory: \(error)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFSOCK:
            if isLive(path) {
                throw Problem(
                    description:
                        "another process is serving \(path); stop it first or set a different server.socket_path"
                )
            }
            unlink(path)
        case S_IFDIR:
            throw Problem(description: "server.socket_path \(path) is a directory; point it at a file path")
        default:
            throw Problem(
                description: "server.socket_path \(path) exists and is not a socket; remove it or choose another path"
            )
        }
    }

    /// Whether a server accepts connections on the socket at `path`.
    static func isLive(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withAddress(path) { connect(fd, $0, $1) } == 0
    }

    /// Creates the socket file bound at `path` with exactly `mode`: the umask is set around the
    /// `bind`, so the file is never more open than configured, not even for an instant. NIO listens
    /// on the returned descriptor.
    static func bind(_ path: String, mode: UInt32) throws(Problem) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Problem(description: "cannot create a Unix socket: \(String(cString: strerror(errno)))") }
        let previous = umask(mode_t(~mode & 0o777))
        let result = withAddress(path) { Glibc.bind(fd, $0, $1) }
        let failure = errno
        umask(previous)
        guard result == 0 else {
            close(fd)
            throw Problem(description: "cannot listen on \(path): \(String(cString: strerror(failure)))")
        }
        return fd
    }

    /// Calls `body` with `path` as a `sockaddr_un` (cut to the kernel's limit) and its length.
    static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
