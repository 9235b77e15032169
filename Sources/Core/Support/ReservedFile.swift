import Glibc

/// A temporary file beside its target, created and sized before its content is known, then
/// renamed over the target: proof, before an irreversible step, that the write can succeed.
///
/// A full volume (`ENOSPC`), a quota (`EDQUOT`), a read-only mount (`EROFS`) or a directory that
/// cannot be written (`EACCES`) fail ``init(replacing:mode:reserving:)``, not ``commit(_:durable:)``.
/// The temporary file is created with `O_EXCL` (`mkstemp`), so a planted symlink is never followed.
/// Not committed, it is removed on ``discard()`` or when the value is dropped.
public final class ReservedFile {
    public let path: String
    public let temporaryPath: String
    private var descriptor: Int32

    /// Creates `.<name>.tmp-XXXXXX` in the target's directory with `mode` and claims `bytes` of
    /// space for it (written, not just promised, so the filesystem has really allocated it).
    public init(replacing path: String, mode: UInt32, reserving bytes: Int = 0) throws(FileSystemError) {
        self.path = path
        let directory = FileSystem.directoryName(path)
        var template = Array("\(directory)/.\(FileSystem.baseName(path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw FileSystemError(path: path, operation: "create a temporary file for", code: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        descriptor = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if fchmod(fd, mode_t(mode)) != 0 {
            let failure = FileSystemError(path: temporaryPath, operation: "chmod", code: errno)
            discard()
            throw failure
        }
        guard bytes > 0 else { return }
        // posix_fallocate allocates blocks on filesystems that support it (tmpfs, ext4, xfs) and
        // writes zeros where they do not; either way ENOSPC and EDQUOT surface here.
        let allocated = posix_fallocate(fd, 0, off_t(bytes))
        if allocated != 0 {
            let failure = FileSystemError(path: path, operation: "reserve space to write", code: allocated)
            discard()
            throw failure
        }
    }

    /// Writes `bytes` into the reserved file (over the reserved space, then cut to size), makes it
    /// durable when asked, and renames it over the target.
    public func commit(_ bytes: [UInt8], durable: Bool = true) throws(FileSystemError) {
        guard descriptor >= 0 else { throw FileSystemError(path: path, operation: "write (already committed)", code: EBADF) }
        var failure: FileSystemError?
        var written = 0
        while failure == nil, written < bytes.count {
            let count = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, $0.count - written, off_t(written)) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = FileSystemError(path: temporaryPath, operation: "write", code: errno)
            } else {
                written += count
            }
        }
        if failure == nil, ftruncate(descriptor, off_t(bytes.count)) != 0 {
            failure = FileSystemError(path: temporaryPath, operation: "truncate", code: errno)
        }
        if failure == nil, durable, fsync(descriptor) != 0 {
            failure = FileSystemError(path: temporaryPath, operation: "fsync", code: errno)
        }
        if failure == nil, rename(temporaryPath, path) != 0 {
            failure = FileSystemError(path: path, operation: "rename onto", code: errno)
        }
        if let failure {
            discard()
            throw failure
        }
        close(descriptor)
        descriptor = -1
        guard durable else { return }
        let directory = open(FileSystem.directoryName(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Removes the temporary file; the target is untouched.
    public func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)
    }

    deinit { discard() }
}
