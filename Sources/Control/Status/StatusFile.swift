import Glibc
public import MaximizeCore

/// `<run dir>/status.json`, replaced atomically so a reader never sees a partial document.
public struct StatusFile: Sendable {
    public let path: String
    public let runDirectory: String

    public init(runDirectory: String) {
        self.runDirectory = runDirectory
        path = runDirectory + "/status.json"
    }

    public func write(_ document: StatusDocument) throws(FileSystemError) {
        let bytes: [UInt8]
        do {
            bytes = try document.encoded()
        } catch {
            // Only non-finite numbers fail to encode, and the document holds none; say so if one appears.
            throw FileSystemError(path: path, operation: "write (the status document could not be encoded: \(error))", code: EINVAL)
        }
        try FileSystem.writeAtomically(bytes, to: path, mode: 0o644, durable: false)
    }

    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case missing(String)
        case unreadable(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .missing(let path): "not started: there is no \(path) (is maximize running with this run dir?)"
            case .unreadable(let message): "cannot read the status file: \(message)"
            case .invalid(let path): "\(path) is not a maximize status document"
            }
        }
    }

    public func read() throws(ReadError) -> StatusDocument {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readFile(path, limit: 1 << 20)
        } catch {
            throw .unreadable("\(error)")
        }
        guard let bytes else { throw .missing(path) }
        guard let document = try? StatusDocument(decoding: bytes) else { throw .invalid(path) }
        return document
    }
}
