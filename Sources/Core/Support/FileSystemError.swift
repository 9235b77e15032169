import Glibc

/// A file operation that failed, with the path and what was wrong.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// The system call failed with this `errno`.
        case system(Int32)
        /// Something other than a regular file lies at the path (after following symlinks).
        case notRegularFile(FileKind)
        /// The file is larger than the reader accepts (`size` unknown when it grew while read,
        /// or reports none, like the files in /proc).
        case tooLarge(size: Int64?, limit: Int)
        /// A symbolic link lies where a file this process creates belongs (a lock file): it is
        /// not followed, so that nothing is created elsewhere.
        case symbolicLink
    }

    public var path: String
    public var operation: String
    public var reason: Reason

    public init(path: String, operation: String, reason: Reason) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public init(path: String, operation: String, code: Int32) {
        self.init(path: path, operation: operation, reason: .system(code))
    }

    /// The system's words for a failed call (`No space left on device`), or what lies at the path.
    public var explanation: String {
        if case .system(let code) = reason { return String(cString: strerror(code)) }
        return state
    }

    /// What is wrong, without the path, for a message that names it already:
    /// `cannot read /x: <problem>`.
    public var problem: String {
        switch reason {
        case .system(let code):
            let text = "cannot \(operation) it: \(String(cString: strerror(code)))"
            return code == EACCES || code == EPERM ? text + "; check its owner and mode" : text
        default:
            return "it " + state
        }
    }

    /// What lies at the path and what to do, for the reasons that are not a system call's.
    private var state: String {
        switch reason {
        case .system(let code): String(cString: strerror(code))
        case .notRegularFile(let kind):
            "is \(kind), not a regular file; replace it with a regular file (or a symlink to one)"
        case .tooLarge(let size?, let limit):
            "is \(size) bytes, more than the \(limit) accepted; is it the right file?"
        case .tooLarge(nil, let limit):
            "is more than the \(limit) bytes accepted; is it the right file?"
        case .symbolicLink:
            "is a symbolic link; remove it (maximize does not follow a link where it creates a file)"
        }
    }

    public var description: String {
        switch reason {
        case .system(let code): "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        default: "\(path) \(state)"
        }
    }
}
