/// The tables the `postgres` backend keeps, and their creation.
///
/// `maximize_schema` records the version of the tables (one row per component);
/// `maximize_credentials` holds one row per credential name, its JSON in `TokenFile`'s form.
/// Creation runs in one transaction under an advisory lock, so replicas starting together create
/// the tables exactly once; when they exist at the version known, nothing is created (a role
/// without `CREATE` can use tables an administrator made).
enum PostgresSchema {
    /// The version of the tables this build creates and understands.
    static let version = 1
    /// The channel `pg_notify` announces a changed credential on; the payload is its name.
    static let channel = "maximize_credentials"
    /// An arbitrary constant for `pg_advisory_xact_lock` (`maxm` in ASCII).
    static let advisoryLock = "1835104365"

    static let tablesExist = """
        SELECT to_regclass('maximize_schema') IS NOT NULL, to_regclass('maximize_credentials') IS NOT NULL
        """
    static let currentVersion = "SELECT version FROM maximize_schema WHERE component = 'credentials'"

    static let create = [
        """
        CREATE TABLE IF NOT EXISTS maximize_schema (
            component text PRIMARY KEY,
            version integer NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS maximize_credentials (
            name text PRIMARY KEY,
            credential text,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            updated_by text
        )
        """,
    ]

    static let recordVersion = """
        INSERT INTO maximize_schema (component, version) VALUES ('credentials', $1) ON CONFLICT (component) DO NOTHING
        """

    /// Creates the tables when missing; fails when the database holds a newer version.
    static func prepare(_ session: PostgresSession) throws(PostgresError) {
        if try check(session) { return }
        try session.execute("BEGIN")
        do {
            try session.execute("SELECT pg_advisory_xact_lock(\(advisoryLock))")
            for statement in create { try session.execute(statement) }
            try session.execute(recordVersion, [String(version)])
            _ = try check(session)
            try session.execute("COMMIT")
        } catch {
            if session.isAlive { _ = try? session.execute("ROLLBACK") }
            throw error
        }
    }

    /// Whether the tables exist at the version known; throws when the version is newer.
    private static func check(_ session: PostgresSession) throws(PostgresError) -> Bool {
        let tables = try session.execute(tablesExist).first ?? []
        guard tables.first == "t" else { return false }
        guard let text = try session.execute(currentVersion).first?.first, let found = text.flatMap({ Int($0) }) else { return false }
        if found > version {
            throw PostgresError(
                reason: "the database holds version \(found) of maximize's tables, newer than this maximize knows (\(version)); "
                    + "upgrade maximize, or point it at another database",
                sqlState: nil,
                unreachable: false
            )
        }
        return tables.last == "t"
    }
}
