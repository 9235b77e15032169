/// A read-only source of credentials (a Kubernetes Secret, say), kept apart from the writable
/// token file because refresh tokens rotate.
///
/// Its content is copied into the token file when that holds no credentials, and again whenever
/// the seed's content changes (a new login pushed to the Secret). The hash of the content last
/// adopted is kept in `<token file>.seed-sha256`, so a restart with an unchanged seed never brings
/// a spent refresh token back over a rotated one.
public struct SeedTokenFile: Sendable {
    public let path: String
    public let store: TokenFileStore

    public init(path: String, store: TokenFileStore) {
        self.path = path
        self.store = store
    }

    var hashPath: String { store.path + ".seed-sha256" }

    public enum Outcome: Sendable, Equatable {
        /// The seed was copied into the token file.
        case adopted
        /// Nothing to do: the seed is unchanged, missing or empty.
        case unchanged
    }

    /// Adopts the seed when the token file is empty or the seed changed since it was last adopted.
    public func synchronize() throws -> Outcome {
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.readFile(path, limit: 1 << 20) else { return .unchanged }
            bytes = read
        }
        guard let credential = try TokenFile.parse(bytes, path: path) else { return .unchanged }
        let hash = SHA256.hexDigest(bytes)
        return try store.withLock {
            let recorded = (try? FileSystem.readFile(hashPath, limit: 1024)).flatMap { $0 }
                .map { String(decoding: $0, as: UTF8.self).trimmingSpaces() }
            let current = try? store.read()
            let empty = current == .some(nil)
            if recorded == hash, !empty { return .unchanged }
            if recorded == nil, !empty, current != nil {
                // Credentials exist and nothing says where they came from: keep them, remember the seed.
                try FileSystem.writeAtomically(Array(hash.utf8), to: hashPath, mode: 0o600)
                return .unchanged
            }
            if case .oauth(let existing) = current ?? nil, case .oauth(let seeded) = credential,
                existing.refreshToken == seeded.refreshToken, !empty
            {
                try FileSystem.writeAtomically(Array(hash.utf8), to: hashPath, mode: 0o600)
                return .unchanged
            }
            try store.write(credential)
            try FileSystem.writeAtomically(Array(hash.utf8), to: hashPath, mode: 0o600)
            return .adopted
        }
    }
}
