/// `retry-after` (RFC 9110 §10.2.3) as a delay in seconds: either form, a number of seconds or an
/// HTTP date (``HTTPDate``), which counts from `now`; a date already past is 0. Anything else,
/// negative, not finite or longer than 64 bytes, is `nil`.
public enum RetryAfter {
    public static func seconds(_ text: String, now: Double) -> Double? {
        guard text.utf8.count <= HTTPDate.maximumLength else { return nil }
        let trimmed = text.trimmingSpaces()
        if let first = trimmed.utf8.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
            guard let value = Double(trimmed), value.isFinite, value >= 0 else { return nil }
            return value
        }
        return HTTPDate.unixTime(trimmed, now: now).map { max(0, $0 - now) }
    }
}
