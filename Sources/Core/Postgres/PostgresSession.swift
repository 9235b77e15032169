internal import CLibPQ
import Glibc

/// One open libpq connection: the only type that touches a `PGconn`. Not thread-safe; its owner
/// uses it from one thread at a time (``PostgresConnection``'s queue, the listener's thread).
final class PostgresSession {
    private let connection: OpaquePointer
    private let endpoint: PostgresEndpoint

    private init(connection: OpaquePointer, endpoint: PostgresEndpoint) {
        self.connection = connection
        self.endpoint = endpoint
    }

    deinit {
        PQfinish(connection)
    }

    /// Connects (blocking, at most `connect_timeout` seconds per address).
    static func connect(_ endpoint: PostgresEndpoint) throws(PostgresError) -> PostgresSession {
        let parameters = endpoint.parameters
        let keywords: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.0) } + [nil]
        let values: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.1) } + [nil]
        defer {
            for pointer in keywords { free(pointer) }
            for pointer in values {
                // The password's copy is wiped before its memory is given back.
                if let pointer { memset(pointer, 0, strlen(pointer)) }
                free(pointer)
            }
        }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keywordBuffer.baseAddress, valueBuffer.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(reason: "libpq could not allocate a connection", unreachable: true)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = endpoint.clean(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw PostgresError(reason: reason, unreachable: true)
        }
        // The server's notices ("relation already exists, skipping") are not for stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        return PostgresSession(connection: connection, endpoint: endpoint)
    }

    /// Whether the connection is still usable, as far as libpq knows.
    var isAlive: Bool { PQstatus(connection) == CONNECTION_OK }

    /// The socket to wait on for notifications.
    var socket: Int32 { PQsocket(connection) }

    /// Runs one parameterized statement (text parameters, text results) and returns its rows.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer {
            for pointer in copies {
                if let pointer { memset(pointer, 0, strlen(pointer)) }
                free(pointer)
            }
        }
        let result = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            PQexecParams(connection, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result else { throw failure(sqlState: nil, message: String(cString: PQerrorMessage(connection))) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw failure(sqlState: state, message: String(cString: PQresultErrorMessage(result)))
        }
        var rows: [[String?]] = []
        for row in 0..<PQntuples(result) {
            var values: [String?] = []
            for column in 0..<PQnfields(result) {
                values.append(PQgetisnull(result, row, column) != 0 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(values)
        }
        return rows
    }

    /// Reads what the server sent (without blocking); fails when the connection is gone.
    func consumeInput() throws(PostgresError) {
        guard PQconsumeInput(connection) == 1, isAlive else {
            throw PostgresError(reason: lastError(default: "the connection to the server was lost"), unreachable: true)
        }
    }

    /// The notifications received so far, as (channel, payload).
    func notifications() -> [(channel: String, payload: String)] {
        var received: [(channel: String, payload: String)] = []
        while let notify = PQnotifies(connection) {
            received.append((String(cString: notify.pointee.relname), String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return received
    }

    private func failure(sqlState: String?, message: String) -> PostgresError {
        let lost = !isAlive
        let text = endpoint.clean(message)
        return PostgresError(
            reason: text.isEmpty ? (lost ? "the connection to the server was lost" : "the statement failed") : text,
            sqlState: sqlState,
            unreachable: lost
        )
    }

    private func lastError(default text: String) -> String {
        let message = endpoint.clean(String(cString: PQerrorMessage(connection)))
        return message.isEmpty ? text : message
    }
}
