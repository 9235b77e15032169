extension CredentialBackend {
    /// Stores `credential` only when the store holds none (nor one it cannot read, which may be
    /// someone's edit): environment credentials never overwrite a rotated token. Returns whether
    /// it was stored.
    public func seed(_ credential: Credential) async throws(CredentialStorageError) -> Bool {
        let outcome = try await withExclusiveAccess(timeout: 30) { transaction -> Result<Bool, CredentialStorageError> in
            guard case .some(.none) = try? await transaction.read() else { return .success(false) }
            do throws(CredentialStorageError) {
                try await transaction.write(credential)
                return .success(true)
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}
