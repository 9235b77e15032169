/// Text that came from outside (an authorization server's error, an upstream's message, a file's
/// content) made safe for a log line, `status.json` or a terminal: secrets redacted, control
/// characters escaped, and the length capped.
public enum ExternalText {
    /// The default cap, in UTF-8 bytes.
    public static let defaultLimit = 300

    /// `text` with every occurrence of a secret's value replaced by `<redacted>`, control
    /// characters (C0, DEL, C1, the Unicode line separators and bidirectional overrides) escaped
    /// as `\n`, `\u{1B}`, ..., and cut to at most `limit` UTF-8 bytes (`…` marks a cut).
    public static func clean(_ text: some StringProtocol, limit: Int = defaultLimit, secrets: [Secret] = []) -> String {
        // Only a bounded prefix is looked at (a 900 KB description costs no more than a short
        // one), long enough that no secret is cut in two before it is redacted.
        let longestSecret = secrets.map(\.value.utf8.count).max() ?? 0
        let examined = limit * 2 + 256 + longestSecret
        var source = String(text.prefix(examined))
        let inputCut = !text.dropFirst(examined).isEmpty
        for secret in secrets where secret.value.utf8.count >= 4 {
            source = source.replacing(secret.value, with: "<redacted>")
        }
        var result = ""
        var pieces: [(String, Int)] = []
        var bytes = 0
        for scalar in source.unicodeScalars {
            let piece: String
            switch scalar.value {
            case 0x0A: piece = "\\n"
            case 0x0D: piece = "\\r"
            case 0x09: piece = "\\t"
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                piece = "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: piece = String(scalar)
            }
            bytes += piece.utf8.count
            pieces.append((piece, bytes))
            if bytes > limit { break }
        }
        let cut = bytes > limit || inputCut
        let budget = cut ? limit - 3 : limit
        for (piece, end) in pieces where end <= budget { result += piece }
        return cut ? result + "…" : result
    }

    /// A secret-free, bounded form of an optional text.
    public static func clean(_ text: String?, limit: Int = defaultLimit, secrets: [Secret] = []) -> String? {
        text.map { clean($0, limit: limit, secrets: secrets) }
    }
}
