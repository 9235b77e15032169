import Glibc
public import MaximizeCore
import NIOConcurrencyHelpers

/// The credential in one row of a PostgreSQL table shared by several replicas
/// (`storage.backend = postgres`).
///
/// A writer locks the row (`SELECT ... FOR UPDATE`) in a transaction on a connection of its own,
/// re-reads it, and commits its write (with a `pg_notify` on `maximize_credentials`) before the
/// lock is released. A replica killed while holding the lock releases it with its session;
/// a hung one loses it after `idle_in_transaction_session_timeout`. ``PostgresCredentialListener``
/// hears the notifications.
public final class PostgresCredentialBackend: CredentialBackend {
    public let kind = "postgres"
    public let location: String
    /// The row's `name`.
    public let credentialName: String
    /// Written to `updated_by`: `maximize@HOST pid N`.
    public let replica: String
    private let url: String
    private let password: Secret?
    private let connectTimeout: Int
    private let idleInTransactionTimeout: Double
    /// For `load()` and `prepare()`.
    private let reader: PostgresConnection
    /// Idle connections for transactions (at most one kept).
    private let idle = NIOLockedValueBox<[PostgresConnection]>([])
    private let prepared = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - url: libpq URL (`postgresql://user@host:port/db?sslmode=verify-full&sslrootcert=...`).
    ///   - password: from `storage.postgres_password_file`; overrides one in the URL.
    ///   - credentialName: the row (`storage.credential_name`).
    ///   - connectTimeout: seconds per connection attempt.
    ///   - idleInTransactionTimeout: seconds after which the server ends a session that holds the
    ///     lock without doing anything (a hung replica).
    public init(
        url: String,
        password: Secret?,
        credentialName: String,
        connectTimeout: Int = 5,
        idleInTransactionTimeout: Double = 120
    ) {
        self.url = url
        self.password = password
        self.credentialName = credentialName
        self.connectTimeout = connectTimeout
        self.idleInTransactionTimeout = idleInTransactionTimeout
        self.reader = PostgresConnection(url: url, password: password, connectTimeout: connectTimeout)
        self.location = "\(reader.location) (credential \(ExternalText.clean(credentialName, limit: 100)))"
        self.replica = "maximize@\(Self.hostName()) pid \(getpid())"
    }

    /// Creates the tables when missing (idempotent, safe when replicas start together) and
    /// refuses a database whose tables are newer than this build knows. Done on first use too.
    public func prepare() async throws(CredentialStorageError) {
        do {
            try await reader.withSession { session throws(PostgresError) in try PostgresSchema.prepare(session) }
            prepared.withLockedValue { $0 = true }
        } catch {
            throw storageError(error, doing: "prepare the tables")
        }
    }

    public func load() async throws(CredentialError) -> Credential? {
        let rows: [[String?]]
        do {
            try await prepareOnce()
            rows = try await reader.execute(Self.select, [credentialName])
        } catch {
            if error.unreachable { throw .storeUnavailable(location: location, reason: error.reason) }
            throw .unreadable(path: location, reason: error.reason)
        }
        return try parse(rows.first?.first ?? nil)
    }

    public func withExclusiveAccess<T: Sendable>(
        timeout: Double,
        _ body: @Sendable (any CredentialTransaction) async -> T
    ) async throws(CredentialStorageError) -> T {
        do {
            try await prepareOnce()
        } catch {
            throw storageError(error, doing: "prepare the tables")
        }
        let connection = takeConnection()
        let transaction: PostgresCredentialTransaction
        do {
            transaction = try await PostgresCredentialTransaction.begin(on: connection, backend: self, timeout: timeout)
        } catch {
            giveBack(connection)
            if error.isLockTimeout || error.isStatementTimeout {
                throw CredentialStorageError(
                    location: location,
                    reason: "another maximize held the credential's lock for more than \(String(format1: timeout)) s; "
                        + "it is released when that replica commits, exits, or idles past "
                        + "\(Int(idleInTransactionTimeout)) s; try again later"
                )
            }
            throw storageError(error, doing: "lock the credential")
        }
        let result = await body(transaction)
        await transaction.finish()
        giveBack(connection)
        return result
    }

    // MARK: - Internals

    static let select = "SELECT credential FROM maximize_credentials WHERE name = $1"

    func parse(_ text: String?) throws(CredentialError) -> Credential? {
        guard let text else { return nil }
        return try TokenFile.parse(Array(text.utf8), path: location)
    }

    func storageError(_ error: PostgresError, doing action: String) -> CredentialStorageError {
        CredentialStorageError(location: location, reason: "could not \(action): \(error.description)", unreachable: error.unreachable)
    }

    private func prepareOnce() async throws(PostgresError) {
        if prepared.withLockedValue({ $0 }) { return }
        try await reader.withSession { session throws(PostgresError) in try PostgresSchema.prepare(session) }
        prepared.withLockedValue { $0 = true }
    }

    private func takeConnection() -> PostgresConnection {
        idle.withLockedValue { $0.popLast() }
            ?? PostgresConnection(
                url: url,
                password: password,
                connectTimeout: connectTimeout,
                idleInTransactionTimeout: idleInTransactionTimeout
            )
    }

    private func giveBack(_ connection: PostgresConnection) {
        let kept = idle.withLockedValue { idle in
            guard idle.isEmpty else { return false }
            idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return ExternalText.clean(String(decoding: bytes, as: UTF8.self), limit: 100)
    }
}
