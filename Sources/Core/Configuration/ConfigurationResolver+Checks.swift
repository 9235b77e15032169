/// Checks that keep configuration from reaching further than a setting: no header injection, no
/// non-HTTP URL for libcurl to fetch, no section or key the file states twice or in the wrong shape.
extension ConfigurationResolver {
    /// The known sections, each an object.
    static let sections = ["server", "models", "api", "oauth", "storage", "limits"]

    /// A known section that is not an object, or a key stated twice (parsers disagree on which
    /// one wins: the first here, the last in Python and jq), is an error naming it.
    func checkFileShape() throws(ConfigurationError) {
        guard let file else { return }
        var seen: Set<String> = []
        for section in file.members {
            guard seen.insert(section.key).inserted else {
                throw ConfigurationError(origin: filePath, key: section.key, message: "is stated twice; keep one")
            }
            guard let members = section.value.objectValue?.members else {
                if Self.sections.contains(section.key), !section.value.isNull {
                    throw ConfigurationError(
                        origin: filePath,
                        key: section.key,
                        message: "must be an object of settings, got \(section.value.typeName)"
                    )
                }
                continue
            }
            var keys: Set<String> = []
            for member in members where !keys.insert(member.key).inserted {
                throw ConfigurationError(origin: filePath, key: "\(section.key).\(member.key)", message: "is stated twice; keep one")
            }
        }
    }

    /// `text` as a header value: no control character but tab (CR, LF or NUL would end the
    /// header line and start another upstream).
    func headerValue(_ key: String, _ text: String) throws(ConfigurationError) -> String {
        if let bad = text.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
            throw failure(key, source(of: key), "must not contain control characters (found U+\(Self.hex(bad.value)))")
        }
        return text
    }

    /// `text` as a header name: an RFC 9110 token.
    func headerName(_ key: String, _ text: String) throws(ConfigurationError) -> String {
        let allowed = Set("!#$%&'*+-.^_`|~".unicodeScalars)
        guard !text.isEmpty,
            text.unicodeScalars.allSatisfy({ $0.isASCIILetterOrDigit || allowed.contains($0) })
        else {
            throw failure(key, source(of: key), "header name \"\(ExternalText.clean(text, limit: 64))\" is not a valid token")
        }
        return text
    }

    /// `text` as a URL libcurl may fetch: `http://` or `https://` only (not `file://`, `ftp://`...).
    func httpURL(_ key: String, _ text: String) throws(ConfigurationError) -> String {
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw failure(key, source(of: key), "must start with http:// or https://, got \"\(ExternalText.clean(text, limit: 64))\"")
        }
        return try headerValue(key, text)
    }

    /// Where `key`'s value came from, for an error after it was read.
    func source(of key: String) -> ConfigurationSource {
        entries.last { $0.key == key }?.source ?? .builtIn
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetterOrDigit: Bool {
        (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
    }
}
