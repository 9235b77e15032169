/// A PostgreSQL operation failed: the server could not be reached, the connection was lost, or a
/// statement failed. Its text comes from libpq, cleaned, and never holds the password.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's or libpq's words, cleaned (may name the host, never a password).
    public var reason: String
    /// The SQLSTATE of a failed statement (`55P03` for a lock timeout), `nil` otherwise.
    public var sqlState: String?
    /// No connection could be made, or it was lost: nothing is known to have been done.
    public var unreachable: Bool

    public init(reason: String, sqlState: String? = nil, unreachable: Bool) {
        self.reason = reason
        self.sqlState = sqlState
        self.unreachable = unreachable
    }

    /// A lock wait exceeded `lock_timeout` (SQLSTATE `55P03`).
    public var isLockTimeout: Bool { sqlState == "55P03" }

    /// A statement exceeded `statement_timeout` (SQLSTATE `57014`, query canceled).
    public var isStatementTimeout: Bool { sqlState == "57014" }

    public var description: String { sqlState.map { "\(reason) (SQLSTATE \($0))" } ?? reason }
}
