import MaximizeCore
import NIOConcurrencyHelpers

/// The credential's row, locked (`SELECT ... FOR UPDATE`) in an open transaction.
///
/// ``write(_:)`` and a prepared write's commit update the row, notify, and `COMMIT` at once, so the
/// write is durable before they return; the lock is then released and any later call fails.
/// When nothing was written, ``PostgresCredentialBackend`` rolls back at the end.
final class PostgresCredentialTransaction: CredentialTransaction {
    private let connection: PostgresConnection
    private let backend: PostgresCredentialBackend
    /// The row's credential as locked.
    private let stored: String?
    /// The server process holding the lock (tests end it to simulate a lost server).
    let backendPID: Int32
    private let phase = NIOLockedValueBox(Phase.open)

    private enum Phase {
        case open
        case committed
        case failed(String)
        case closed
    }

    private init(connection: PostgresConnection, backend: PostgresCredentialBackend, stored: String?, backendPID: Int32) {
        self.connection = connection
        self.backend = backend
        self.stored = stored
        self.backendPID = backendPID
    }

    /// Opens the transaction and locks the row (creating it, empty, when missing), waiting at
    /// most `timeout` seconds for another holder.
    static func begin(
        on connection: PostgresConnection,
        backend: PostgresCredentialBackend,
        timeout: Double
    ) async throws(PostgresError) -> PostgresCredentialTransaction {
        let name = backend.credentialName
        let row = try await connection.withSession { session throws(PostgresError) in
            do throws(PostgresError) {
                try session.execute("BEGIN")
                try session.execute(
                    "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)",
                    [PostgresConnection.milliseconds(timeout), PostgresConnection.milliseconds(timeout + 15)]
                )
                try session.execute(
                    "INSERT INTO maximize_credentials (name, credential, version) VALUES ($1, NULL, 0) ON CONFLICT (name) DO NOTHING",
                    [name]
                )
                let rows = try session.execute(
                    "SELECT credential, pg_backend_pid() FROM maximize_credentials WHERE name = $1 FOR UPDATE",
                    [name]
                )
                guard let row = rows.first else {
                    throw PostgresError(reason: "the credential's row vanished while it was locked", unreachable: false)
                }
                return row
            } catch {
                if session.isAlive { _ = try? session.execute("ROLLBACK") }
                throw error
            }
        }
        return PostgresCredentialTransaction(
            connection: connection,
            backend: backend,
            stored: row[0],
            backendPID: row[1].flatMap { Int32($0) } ?? 0
        )
    }

    func read() async throws(CredentialError) -> Credential? {
        if let problem = unusable() {
            throw .unreadable(path: backend.location, reason: problem)
        }
        return try backend.parse(stored)
    }

    func write(_ credential: Credential?) async throws(CredentialStorageError) {
        if let problem = unusable() { throw CredentialStorageError(location: backend.location, reason: problem) }
        try await commit(credential)
    }

    func prepareWrite() async throws(CredentialStorageError) -> any PreparedCredentialWrite {
        if let problem = unusable() { throw CredentialStorageError(location: backend.location, reason: problem) }
        do {
            _ = try await connection.withSession(reconnect: false) { session throws(PostgresError) in try session.execute("SELECT 1") }
        } catch {
            fail(error)
            throw backend.storageError(error, doing: "check the transaction before writing")
        }
        return PostgresPreparedWrite(transaction: self)
    }

    /// Updates the row, notifies, and commits; a failure leaves the transaction unusable.
    func commit(_ credential: Credential?) async throws(CredentialStorageError) {
        if let problem = unusable() { throw CredentialStorageError(location: backend.location, reason: problem) }
        let text = credential.map { String(decoding: TokenFile.serialize($0), as: UTF8.self) }
        let name = backend.credentialName
        let replica = backend.replica
        do {
            try await connection.withSession(reconnect: false) { session throws(PostgresError) in
                try session.execute(
                    """
                    UPDATE maximize_credentials SET credential = $2, version = version + 1, updated_at = now(), updated_by = $3 \
                    WHERE name = $1
                    """,
                    [name, text, replica]
                )
                try session.execute("SELECT pg_notify('\(PostgresSchema.channel)', $1)", [name])
                try session.execute("COMMIT")
            }
            phase.withLockedValue { $0 = .committed }
        } catch {
            fail(error)
            throw backend.storageError(error, doing: "store the credential")
        }
    }

    /// Ends the transaction: rolls back when nothing was committed. Later calls fail.
    func finish() async {
        let previous = phase.withLockedValue { phase in
            defer { phase = .closed }
            return phase
        }
        if case .committed = previous { return }
        _ = try? await connection.withSession(reconnect: false) { session throws(PostgresError) in try session.execute("ROLLBACK") }
    }

    private func fail(_ error: PostgresError) {
        phase.withLockedValue { $0 = .failed(error.description) }
    }

    /// Why the transaction can no longer be used, or `nil` while it can.
    private func unusable() -> String? {
        switch phase.withLockedValue({ $0 }) {
        case .open: nil
        case .committed: "the credential was already written and its lock released; take the lock again to write once more"
        case .failed(let reason): "the transaction failed earlier (\(reason)); take the lock again"
        case .closed: "the lock was released when withExclusiveAccess returned; take it again"
        }
    }
}

/// A write checked with a round trip on the locked transaction.
struct PostgresPreparedWrite: PreparedCredentialWrite {
    let transaction: PostgresCredentialTransaction

    func commit(_ credential: Credential) async throws(CredentialStorageError) {
        try await transaction.commit(credential)
    }
}
