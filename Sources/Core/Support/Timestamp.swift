#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ISO 8601 timestamps for Unix times (seconds since the epoch), through Foundation's
/// `Date.ISO8601FormatStyle`.
public enum Timestamp {
    /// `2026-11-25T10:00:05Z`: UTC, whole seconds (the fraction is dropped).
    public static func iso8601(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }

    /// Parses `2025-02-19T00:00:00Z`, with or without a fraction of a second, and with a UTC offset
    /// (`+02:00` is two hours earlier than the same wall time in `Z`); `nil` for anything else.
    public static func unixTime(iso8601 text: String) -> Double? {
        (try? Date.ISO8601FormatStyle().parse(text))?.timeIntervalSince1970
    }
}
