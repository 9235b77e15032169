import Glibc

/// Small POSIX file helpers shared by both executables.
public enum FileSystem {
    /// Reads a whole regular file (symlinks followed); `nil` when nothing is at `path`.
    ///
    /// Never blocks on what lies at the path: it is opened with `O_NONBLOCK` and checked with
    /// `fstat` before any read, and anything but a regular file (a FIFO, a directory, a device)
    /// is an error naming the path and what is there. A file above `limit` bytes is refused by
    /// its size before reading, and the cap holds while reading (a file that grows, or one that
    /// reports no size, like those in /proc).
    public static func readFile(_ path: String, limit: Int = 16 << 20) throws(FileSystemError) -> [UInt8]? {
        var info = stat()
        // Refused before opening when possible: opening a device can have side effects.
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw FileSystemError(path: path, operation: "read", reason: .notRegularFile(FileKind(mode: info.st_mode)))
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FileSystemError(path: path, operation: "open", code: errno)
        }
        defer { close(fd) }
        // Checked again on what was opened: the path may have been replaced in between.
        guard fstat(fd, &info) == 0 else { throw FileSystemError(path: path, operation: "stat", code: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileSystemError(path: path, operation: "read", reason: .notRegularFile(FileKind(mode: info.st_mode)))
        }
        if Int64(info.st_size) > Int64(limit) {
            throw FileSystemError(path: path, operation: "read", reason: .tooLarge(size: Int64(info.st_size), limit: limit))
        }
        var result: [UInt8] = []
        result.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            // At most one byte past the limit: enough to know the file is too large.
            let wanted = min(chunk.count, limit + 1 - result.count)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, operation: "read", code: errno)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit {
                throw FileSystemError(path: path, operation: "read", reason: .tooLarge(size: nil, limit: limit))
            }
        }
        return result
    }

    /// Opens the lock file at `path` for `flock`, creating it (mode 0600) when missing.
    ///
    /// A symbolic link at `path` is refused (`O_NOFOLLOW`): a link planted there cannot make this
    /// process, often root, create or lock a file elsewhere. Anything but a regular file is
    /// refused too, and the open never blocks. The caller closes the descriptor.
    public static func openLockFile(_ path: String) throws(FileSystemError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            throw FileSystemError(path: path, operation: "open", reason: code == ELOOP ? .symbolicLink : .system(code))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw FileSystemError(path: path, operation: "open", reason: .notRegularFile(FileKind(mode: info.st_mode)))
        }
        return fd
    }

    /// Reads standard input to its end (blocking: the caller asked for it), at most `limit` bytes.
    public static func readStandardInput(limit: Int) throws(FileSystemError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: "standard input", operation: "read", code: errno)
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit {
                throw FileSystemError(path: "standard input", operation: "read", reason: .tooLarge(size: nil, limit: limit))
            }
        }
    }

    /// Writes all of `bytes` to `descriptor` (retrying short writes and EINTR); `false` when the
    /// other end went away or the write failed.
    @discardableResult
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// What lies at `path`, symlinks followed (`stat`, which never blocks); `nil` when nothing.
    public static func kind(at path: String) -> FileKind? {
        var info = stat()
        return stat(path, &info) == 0 ? FileKind(mode: info.st_mode) : nil
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents; new directories get `mode`.
    public static func createDirectory(_ path: String, mode: UInt32) throws(FileSystemError) {
        if isDirectory(path) { return }
        let parent = directoryName(path)
        if parent != path, !parent.isEmpty, !isDirectory(parent) {
            try createDirectory(parent, mode: mode)
        }
        if mkdir(path, mode_t(mode)) != 0, errno != EEXIST {
            throw FileSystemError(path: path, operation: "create directory", code: errno)
        }
        _ = chmod(path, mode_t(mode))
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync,
    /// rename over the target, fsync of the directory.
    /// - Parameter durable: fsync the file and the directory (credentials); skip for files that
    ///   are rewritten every few seconds and worthless after a crash (status).
    public static func writeAtomically(
        _ bytes: [UInt8],
        to path: String,
        mode: UInt32,
        durable: Bool = true
    )
        throws(FileSystemError)
    {
        try ReservedFile(replacing: path, mode: mode).commit(bytes, durable: durable)
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    public static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file; a missing file is not an error.
    public static func removeFile(_ path: String) throws(FileSystemError) {
        if unlink(path) != 0, errno != ENOENT {
            throw FileSystemError(path: path, operation: "remove", code: errno)
        }
    }

    public static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The process's home directory: `$HOME`, else the password database.
    public static func homeDirectory(environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir {
            return String(cString: directory)
        }
        return "/"
    }

    /// Expands a leading `~` and makes a relative path absolute against `base`.
    public static func resolvePath(_ path: String, relativeTo base: String, environment: [String: String]) -> String {
        var result = path
        if result == "~" {
            result = homeDirectory(environment: environment)
        } else if result.hasPrefix("~/") {
            result = homeDirectory(environment: environment) + result.dropFirst(1)
        }
        if !result.hasPrefix("/") {
            result = base.hasSuffix("/") ? base + result : base + "/" + result
        }
        return result
    }
}
