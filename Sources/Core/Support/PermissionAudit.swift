import Glibc

/// Finds credential files and directories that group or others can get at, for a warning.
///
/// Never changes a mode: a credential file may be a read-only mount (a Kubernetes Secret), and
/// the operator decides. The daemon's own writes are 0600 (files) and 0700 (directories) already.
public enum PermissionAudit {
    /// What to check.
    public enum Item: Sendable, Equatable {
        /// A directory holding credentials: a problem when group or others can write to it (they
        /// could replace the credentials or plant links). Listing it reveals only names, and the
        /// files in it are checked one by one, so read and search access are not reported.
        case directory(String)
        /// A file holding a secret: a problem when group or others have any access to it.
        /// `hint` is added to the advice (how to fix a mount that `chmod` cannot change).
        case secretFile(String, hint: String? = nil)
    }

    /// The problems found, by path, each a sentence that says what to run. Missing paths and
    /// anything that is not a regular file or a directory are skipped (reading them reports those).
    public static func check(_ items: [Item]) -> [String: String] {
        var problems: [String: String] = [:]
        for item in items {
            switch item {
            case .directory(let path):
                guard let mode = mode(path, kind: S_IFDIR), mode & 0o022 != 0 else { continue }
                problems[path] =
                    "\(path) is writable by group or others (mode \(octal(mode))): they could replace the credentials in it; run chmod 700 \(path)"
            case .secretFile(let path, let hint):
                guard let mode = mode(path, kind: S_IFREG), mode & 0o077 != 0 else { continue }
                let access = mode & 0o044 != 0 ? "readable" : "writable"
                var message = "\(path) is \(access) by group or others (mode \(octal(mode))); run chmod 600 \(path)"
                if let hint { message += " (\(hint))" }
                problems[path] = message
            }
        }
        return problems
    }

    /// The permission bits of what lies at `path` (symlinks followed) when it is of `kind`.
    static func mode(_ path: String, kind: mode_t) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == kind else { return nil }
        return info.st_mode & 0o7777
    }

    /// `0644`, `2777`.
    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
