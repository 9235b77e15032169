/// The half-done login of `maxctl login --start`: its PKCE verifier and state, kept in
/// `<state dir>/login.pending` (mode 0600) until `maxctl login --code` completes it.
public struct LoginPending: Sendable {
    public let path: String

    public init(stateDirectory: String) {
        path = stateDirectory + "/login.pending"
    }

    public func save(_ pkce: PKCE, now: Double = WallClock.now()) throws(FileSystemError) {
        let value: JSONValue = [
            "code_verifier": .string(pkce.verifier), "state": .string(pkce.state), "created_at": .int(Int(now)),
        ]
        try FileSystem.createDirectory(FileSystem.directoryName(path), mode: 0o700)
        try FileSystem.writeAtomically(value.serialized(), to: path, mode: 0o600)
    }

    /// The pending login, or `nil` when none was started.
    public func load() throws(OAuthError) -> PKCE? {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readFile(path, limit: 64 * 1024)
        } catch {
            throw .badPaste("cannot read \(path): \(error.problem)")
        }
        guard let bytes else { return nil }
        guard let json = try? JSONParser.parse(bytes), let verifier = json["code_verifier"]?.stringValue,
            let state = json["state"]?.stringValue
        else {
            throw .badPaste("\(path) is damaged; run `maxctl login --start` again")
        }
        return PKCE(verifier: verifier, state: state)
    }

    public func remove() {
        try? FileSystem.removeFile(path)
    }
}
