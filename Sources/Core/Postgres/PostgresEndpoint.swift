internal import CLibPQ
import Glibc
import MaximizeCore

/// Where a PostgreSQL server is and how to connect to it: the libpq URL (passed through, libpq
/// parses it), the password kept apart as a ``Secret``, and the settings every connection adds.
struct PostgresEndpoint: Sendable {
    let url: String
    let password: Secret?
    /// Seconds libpq waits for a connection (`connect_timeout`).
    let connectTimeout: Int
    /// `postgres://host:port/db`, without user or password; `postgres (invalid URL)` when libpq
    /// cannot parse the URL (connecting then fails with libpq's reason).
    let location: String
    /// Every secret the URL or the configuration holds, for redaction from libpq's text.
    let secrets: [Secret]

    init(url: String, password: Secret?, connectTimeout: Int = 5) {
        self.url = url
        self.password = password
        self.connectTimeout = max(1, connectTimeout)
        let parsed = Self.parse(url)
        var secrets = password.map { [$0] } ?? []
        if let inURL = parsed["password"], !inURL.isEmpty { secrets.append(Secret(inURL)) }
        self.secrets = secrets
        if parsed.isEmpty {
            location = "postgres (invalid URL)"
        } else {
            let host = parsed["host"] ?? parsed["hostaddr"] ?? "localhost"
            let port = parsed["port"] ?? "5432"
            let database = parsed["dbname"] ?? parsed["user"] ?? "postgres"
            location = ExternalText.clean("postgres://\(host):\(port)/\(database)", limit: 200, secrets: secrets)
        }
    }

    /// libpq's keywords and values: defaults first (the URL may override them), then the URL
    /// (`dbname`, expanded by libpq), then the password, which overrides one in the URL.
    var parameters: [(String, String)] {
        var list: [(String, String)] = [
            ("connect_timeout", String(connectTimeout)),
            ("keepalives", "1"),
            ("keepalives_idle", "30"),
            ("keepalives_interval", "10"),
            ("keepalives_count", "3"),
            ("tcp_user_timeout", "30000"),
            ("application_name", "maximize"),
            ("dbname", url),
        ]
        if let password { list.append(("password", password.value)) }
        return list
    }

    /// libpq's text made safe: cleaned, capped, and every secret redacted.
    func clean(_ text: String) -> String {
        var trimmed = Substring(text)
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        return ExternalText.clean(trimmed, secrets: secrets)
    }

    private static func parse(_ url: String) -> [String: String] {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &error) else {
            if let error { PQfreemem(error) }
            return [:]
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return values
    }
}
