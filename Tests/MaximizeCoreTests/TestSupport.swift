import Glibc

@testable import MaximizeCore

/// A fresh directory under /tmp, removed with everything in it by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/maximize-unit-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileSystemError(path: "/tmp", operation: "mkdtemp in", code: errno)
        }
        path = String(cString: result)
    }

    func remove() {
        Self.removeTree(path)
    }

    /// The names in the directory, sorted, without `.` and `..`.
    func entries() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func write(_ name: String, _ text: String) throws {
        try FileSystem.writeAtomically(Array(text.utf8), to: path + "/" + name, mode: 0o600)
    }

    private static func removeTree(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                if FileSystem.isDirectory(child) { removeTree(child) } else { unlink(child) }
            }
            closedir(directory)
        }
        rmdir(path)
    }
}

/// Settings resolved from built-in defaults (plus `environment` and an optional `config.json`).
func makeSettings(environment: [String: String] = [:], config: String? = nil) throws -> Settings {
    let paths = MaximizePaths.resolve(stateDirectory: "/tmp/maximize-unit-state", environment: [:])
    return try ConfigurationLoader(paths: paths, environment: environment)
        .load(fileContents: config.map { Array($0.utf8) }).settings
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

extension TemporaryDirectory {
    /// A view of an existing directory (not removed by the caller).
    init(existing path: String) {
        self.path = path
    }
}
