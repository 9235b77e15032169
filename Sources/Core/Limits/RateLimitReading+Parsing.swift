#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RateLimitReading {
    static let prefix = Array("anthropic-ratelimit-".utf8)
    static let unified = "unified-"

    /// The reading in `headers` (names lower-cased), or `nil` when they carry none of the
    /// families: a response without them costs one prefix comparison per header.
    /// - Parameter now: what a `retry-after` given as an HTTP date counts from.
    public static func parse(_ headers: [(name: String, value: String)], now: Double = WallClock.now()) -> RateLimitReading? {
        var reading: RateLimitReading?
        for header in headers {
            let name = header.name.utf8
            if name.starts(with: prefix) {
                let rest = String(decoding: name.dropFirst(prefix.count), as: UTF8.self)
                var current = reading ?? RateLimitReading()
                current.take(rest, header.value)
                reading = current
            } else if header.name == "retry-after" {
                var current = reading ?? RateLimitReading()
                current.retryAfter = RetryAfter.seconds(header.value, now: now).map { min($0, longestRetryAfter) }
                reading = current
            }
        }
        return reading
    }

    /// One `anthropic-ratelimit-<rest>` header.
    mutating func take(_ rest: String, _ value: String) {
        guard value.utf8.count <= Self.maximumValueBytes else { return }
        if rest.hasPrefix(Self.unified) {
            takeUnified(String(rest.dropFirst(Self.unified.count)), value)
            return
        }
        for (suffix, field) in [("-limit", 0), ("-remaining", 1), ("-reset", 2)] where rest.hasSuffix(suffix) {
            guard let kind = Self.name(rest.dropLast(suffix.count)) else { return }
            guard allowances[kind] != nil || allowances.count < Self.maximumAllowances else { return }
            var allowance = allowances[kind] ?? Allowance()
            switch field {
            case 0: allowance.limit = Self.count(value)
            case 1: allowance.remaining = Self.count(value)
            default: allowance.resetsAt = Self.rfc3339(value)
            }
            allowances[kind] = allowance
            return
        }
    }

    /// One `anthropic-ratelimit-unified-<rest>` header.
    mutating func takeUnified(_ rest: String, _ value: String) {
        switch rest {
        case "status": status = Self.word(value)
        case "reset": resetsAt = Self.epoch(value)
        case "representative-claim": representativeClaim = Self.word(value)
        default:
            for (suffix, field) in [("-utilization", 0), ("-reset", 1), ("-status", 2)] where rest.hasSuffix(suffix) {
                guard let name = Self.name(rest.dropLast(suffix.count)) else { return }
                guard windows[name] != nil || windows.count < Self.maximumWindows else { return }
                var window = windows[name] ?? Window()
                switch field {
                case 0: window.utilization = Self.number(value).flatMap { $0 >= 0 ? min($0, 100) : nil }
                case 1: window.resetsAt = Self.epoch(value)
                default: window.status = Self.word(value)
                }
                windows[name] = window
                return
            }
        }
    }

    // MARK: - Values

    /// A window or kind name: lower-case letters, digits, `_`, `-` and `.` (anything else
    /// becomes `_`), at most ``maximumNameBytes`` bytes; `nil` when empty.
    static func name(_ text: some StringProtocol) -> String? {
        var result = ""
        for scalar in text.unicodeScalars.prefix(maximumNameBytes) {
            switch scalar {
            case "a"..."z", "0"..."9", "_", "-", ".": result.unicodeScalars.append(scalar)
            case "A"..."Z": result.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            default: result.append("_")
            }
        }
        return result.isEmpty ? nil : result
    }

    /// A status or claim word, cleaned like a name.
    static func word(_ text: String) -> String? {
        name(text.trimmingSpaces())
    }

    /// A finite number, or `nil`.
    static func number(_ text: String) -> Double? {
        guard let value = Double(text.trimmingSpaces()), value.isFinite else { return nil }
        return value
    }

    /// A count (limit, remaining): a whole number from 0 to 10^15.
    static func count(_ text: String) -> Double? {
        guard let value = number(text), value >= 0, value <= 1e15 else { return nil }
        return value.rounded(.down)
    }

    /// Unix seconds after 1970 and before ``latestReset``.
    static func epoch(_ text: String) -> Double? {
        guard let value = number(text), value > 0, value < latestReset else { return nil }
        return value
    }

    /// An RFC 3339 time, within the same bounds.
    static func rfc3339(_ text: String) -> Double? {
        guard let value = Timestamp.unixTime(iso8601: text.trimmingSpaces()), value > 0, value < latestReset else { return nil }
        return value
    }
}
