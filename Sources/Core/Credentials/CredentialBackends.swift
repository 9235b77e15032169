/// Makes the file backend `storage.*` names; the `postgres` one is made by `MaximizePostgres`
/// (`StorageBackends`), which the executables link.
public enum CredentialBackends {
    public static func file(_ storage: Settings.Storage) -> FileCredentialBackend {
        FileCredentialBackend(store: TokenFileStore(path: storage.tokenFile))
    }
}
