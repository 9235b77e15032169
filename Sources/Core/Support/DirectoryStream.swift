import Glibc

/// Reads a directory's names a batch at a time (`opendir`/`readdir`), so that a directory
/// holding very many files is never listed into memory at once. Files removed while it is read
/// are not returned again; files added may or may not be.
public final class DirectoryStream {
    private let handle: OpaquePointer

    /// `nil` when the directory cannot be opened (`errno` says why).
    public init?(_ path: String) {
        guard let handle = opendir(path) else { return nil }
        self.handle = handle
    }

    deinit { closedir(handle) }

    /// Up to `limit` names that `include` accepts, without `.` and `..`; empty at the end. Names
    /// `include` rejects do not count towards the limit.
    public func next(limit: Int, where include: (String) -> Bool = { _ in true }) -> [String] {
        var names: [String] = []
        while names.count < limit, let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != "..", include(name) { names.append(name) }
        }
        return names
    }
}
