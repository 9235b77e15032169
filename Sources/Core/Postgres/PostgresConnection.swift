import Dispatch
public import MaximizeCore
import NIOConcurrencyHelpers

/// One libpq connection whose blocking calls run on its own serial queue, never on a Swift
/// concurrency thread, bridged to `async`.
///
/// It connects on first use; a connection found dead (lost, or the server restarted) is dropped
/// and made again on the next use. Failed connection attempts back off (0.5 s doubling to 30 s):
/// meanwhile each use fails at once with the last reason. Every session gets a
/// `statement_timeout` and an `idle_in_transaction_session_timeout`, so a hung process cannot hold
/// a row lock forever; a killed process's session ends, and its locks with it.
public final class PostgresConnection: Sendable {
    let endpoint: PostgresEndpoint
    private let statementTimeout: Double
    private let idleInTransactionTimeout: Double
    private let queue = DispatchQueue(label: "maximize.postgres.connection")
    private let state = NIOLockedValueBox(State())

    /// `@unchecked`: the lock guards the reference, and the session itself is used only on `queue`.
    private struct State: @unchecked Sendable {
        var session: PostgresSession?
        var failures = 0
        var retryAt: UInt64 = 0
        var lastError: PostgresError?
    }

    /// - Parameters:
    ///   - url: a libpq URL or connection string (`postgresql://user@host:port/db?sslmode=...`).
    ///   - password: sent as libpq's `password` keyword, never placed in a string.
    ///   - connectTimeout: seconds (`connect_timeout`).
    ///   - statementTimeout: seconds any one statement may run (`statement_timeout`).
    ///   - idleInTransactionTimeout: seconds a transaction may sit idle before the server ends the
    ///     session and releases its locks.
    public init(
        url: String,
        password: Secret?,
        connectTimeout: Int = 5,
        statementTimeout: Double = 15,
        idleInTransactionTimeout: Double = 120
    ) {
        self.endpoint = PostgresEndpoint(url: url, password: password, connectTimeout: connectTimeout)
        self.statementTimeout = statementTimeout
        self.idleInTransactionTimeout = idleInTransactionTimeout
    }

    /// `postgres://host:port/db`, never a user or a password.
    public var location: String { endpoint.location }

    /// Runs one parameterized statement and returns its rows (text values, `nil` for NULL).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) async throws(PostgresError) -> [[String?]] {
        try await withSession { session throws(PostgresError) in try session.execute(sql, parameters) }
    }

    /// Closes the connection (the next use opens a new one).
    public func close() {
        queue.async { [state] in state.withLockedValue { $0.session = nil } }
    }

    /// Runs `body` on the connection's queue with a live session; a session lost during `body` is
    /// dropped. With `reconnect: false` (inside a transaction, whose locks die with their
    /// session) it fails instead of opening a new session.
    func withSession<T: Sendable>(
        reconnect: Bool = true,
        _ body: @escaping @Sendable (PostgresSession) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        let result: Result<T, PostgresError> = await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: runOnQueue(reconnect: reconnect, body))
            }
        }
        return try result.get()
    }

    private func runOnQueue<T>(reconnect: Bool, _ body: (PostgresSession) throws(PostgresError) -> T) -> Result<T, PostgresError> {
        guard reconnect else {
            guard let current = state.withLockedValue({ $0.session }), current.isAlive else {
                state.withLockedValue { $0.session = nil }
                return .failure(PostgresError(reason: "the connection holding the transaction was lost", unreachable: true))
            }
            return run(body, on: current)
        }
        let reused = state.withLockedValue { $0.session?.isAlive ?? false }
        let result = openSession().flatMap { run(body, on: $0) }
        // A kept session may have died unnoticed (the server restarted): one more try on a new one
        // (a body that failed for that did nothing lasting: its transaction, if any, is gone).
        if reused, case .failure(let error) = result, error.unreachable {
            return openSession().flatMap { run(body, on: $0) }
        }
        return result
    }

    private func run<T>(_ body: (PostgresSession) throws(PostgresError) -> T, on session: PostgresSession) -> Result<T, PostgresError> {
        do {
            return .success(try body(session))
        } catch {
            if error.unreachable || !session.isAlive {
                state.withLockedValue { $0.session = nil }
                return .failure(PostgresError(reason: error.reason, sqlState: error.sqlState, unreachable: true))
            }
            return .failure(error)
        }
    }

    private func openSession() -> Result<PostgresSession, PostgresError> {
        let (current, retryAt, lastError) = state.withLockedValue { ($0.session, $0.retryAt, $0.lastError) }
        if let current, current.isAlive { return .success(current) }
        if current != nil { state.withLockedValue { $0.session = nil } }
        let now = WallClock.monotonicNanoseconds()
        if now < retryAt, let lastError {
            let wait = Double(retryAt - now) / 1e9
            let reason = lastError.reason + " (next attempt in \(String(format1: wait)) s)"
            return .failure(PostgresError(reason: reason, unreachable: true))
        }
        do {
            let session = try PostgresSession.connect(endpoint)
            try session.execute(
                "SELECT set_config('statement_timeout', $1, false), set_config('idle_in_transaction_session_timeout', $2, false)",
                [Self.milliseconds(statementTimeout), Self.milliseconds(idleInTransactionTimeout)]
            )
            state.withLockedValue { state in
                state.session = session
                state.failures = 0
                state.retryAt = 0
                state.lastError = nil
            }
            return .success(session)
        } catch {
            let failed = PostgresError(reason: error.reason, sqlState: error.sqlState, unreachable: true)
            state.withLockedValue { state in
                state.failures += 1
                let delay = min(30, 0.5 * Double(1 << min(state.failures - 1, 6)))
                state.retryAt = WallClock.monotonicNanoseconds() + UInt64(delay * 1e9)
                state.lastError = failed
            }
            return .failure(failed)
        }
    }

    /// `1500ms`, as PostgreSQL's duration settings take it (at least 1 ms; 0 would disable it).
    static func milliseconds(_ seconds: Double) -> String {
        "\(max(1, Int((seconds * 1000).rounded())))ms"
    }
}

extension String {
    /// `value` with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}
