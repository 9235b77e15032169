import Glibc
public import MaximizeCore

/// A request to the daemon through a file: `<run dir>/control/<action>.<id>`.
public struct ControlRequest: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case refresh, reload
    }

    public var action: Action
    public var id: String

    public init(action: Action, id: String = ControlRequest.newID()) {
        self.action = action
        self.id = id
    }

    public var fileName: String { "\(action.rawValue).\(id)" }

    /// A unique id: time, process and randomness.
    public static func newID() -> String {
        "\(Int(WallClock.now() * 1000))-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// Parses a control file's name; `nil` for names that are not requests (temporary files).
    public init?(fileName: String) {
        guard !fileName.hasPrefix("."), let dot = fileName.firstIndex(of: ".") else { return nil }
        guard let action = Action(rawValue: String(fileName[..<dot])) else { return nil }
        let id = String(fileName[fileName.index(after: dot)...])
        guard !id.isEmpty, id.count <= 128, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return nil
        }
        self.init(action: action, id: id)
    }

    /// Creates the request file in `directory` (atomically, so the daemon never sees it half made).
    public func submit(in directory: String) throws(FileSystemError) {
        try FileSystem.createDirectory(directory, mode: 0o755)
        try FileSystem.writeAtomically([], to: directory + "/" + fileName, mode: 0o644, durable: false)
    }
}
