/// HTTP dates (RFC 9110 §5.6.7) as Unix times: the preferred IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms a recipient must still accept,
/// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
/// The weekday is not checked against the date; anything else is `nil`.
public enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    /// An HTTP date is short: anything longer is not one (and is not scanned).
    static let maximumLength = 64

    /// The Unix time `text` names, or `nil`.
    /// - Parameter now: for RFC 850's two-digit year, read as the most recent year that is not
    ///   more than 50 years in the future (RFC 9110).
    public static func unixTime(_ text: String, now: Double) -> Double? {
        guard text.utf8.count <= maximumLength else { return nil }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        switch words.count {
        case 6 where words[0].hasSuffix(",") && words[5] == "gmt":
            // IMF-fixdate: day month year time GMT.
            guard let day = Int(words[1]), words[1].count == 2, let year = Int(words[3]), words[3].count == 4 else { return nil }
            return time(year: year, month: words[2], day: day, clock: words[4])
        case 4 where words[0].hasSuffix(",") && words[3] == "gmt":
            // RFC 850: day-month-yy time GMT.
            let parts = words[1].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 2, parts[2].count == 2, let day = Int(parts[0]), let yy = Int(parts[2]) else {
                return nil
            }
            return time(year: fullYear(yy, now: now), month: String(parts[1]), day: day, clock: words[2])
        case 5 where !words[0].hasSuffix(","):
            // asctime: month day time year (the day may be space-padded).
            guard let day = Int(words[2]), let year = Int(words[4]), words[4].count == 4 else { return nil }
            return time(year: year, month: words[1], day: day, clock: words[3])
        default:
            return nil
        }
    }

    private static func time(year: Int, month name: String, day: Int, clock: String) -> Double? {
        guard let monthIndex = months.firstIndex(of: name), (1...31).contains(day), (1970...9999).contains(year) else { return nil }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let month = monthIndex + 1
        guard day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// RFC 9110: a two-digit year more than 50 years in the future is in the past century.
    private static func fullYear(_ yy: Int, now: Double) -> Int {
        let current = 1970 + Int(now / 31_556_952)
        var year = current - current % 100 + yy
        if year > current + 50 { year -= 100 }
        return year
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
