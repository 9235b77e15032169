public import MaximizeCore

/// The credential backend `storage.*` names, for the daemon and `maxctl` alike.
public enum StorageBackends {
    public static func make(_ storage: Settings.Storage) throws(CredentialStorageError) -> any CredentialBackend {
        switch storage.backend {
        case .file:
            return CredentialBackends.file(storage)
        case .postgres:
            guard let url = storage.postgresURL else {
                throw CredentialStorageError(location: "storage.postgres_url", reason: "not set; set MAXIMIZE_POSTGRES_URL")
            }
            return PostgresCredentialBackend(
                url: url,
                password: try storage.postgresPasswordFile.map(password(from:)),
                credentialName: storage.credentialName
            )
        }
    }

    /// The database password from `storage.postgres_password_file` (a Kubernetes Secret): its
    /// content without the line break editors and `echo` add.
    public static func password(from path: String) throws(CredentialStorageError) -> Secret {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readFile(path, limit: 4096)
        } catch {
            throw CredentialStorageError(error)
        }
        guard var text = bytes.map({ String(decoding: $0, as: UTF8.self) }) else {
            throw CredentialStorageError(location: path, reason: "does not exist (storage.postgres_password_file)")
        }
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else {
            throw CredentialStorageError(location: path, reason: "is empty (storage.postgres_password_file)")
        }
        return Secret(text)
    }
}
