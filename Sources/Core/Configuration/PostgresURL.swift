/// What may be shown of a libpq URL: everything but a password (in the user part or a
/// `password=` parameter).
public enum PostgresURL {
    /// `postgresql://user:secret@host/db?password=x` → `postgresql://user:<redacted>@host/db?password=<redacted>`.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        var result = String(url[..<scheme.upperBound])
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            result += authority[..<colon] + ":<redacted>" + authority[at...]
        } else {
            result += authority
        }
        let tail = rest[authorityEnd...]
        guard let query = tail.firstIndex(of: "?") else { return result + tail }
        let parameters = tail[tail.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.lowercased().hasPrefix("password=") ? "password=<redacted>" : String(pair)
        }
        return result + tail[..<query] + "?" + parameters.joined(separator: "&")
    }
}
