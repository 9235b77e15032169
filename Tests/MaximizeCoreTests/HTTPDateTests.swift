import Testing

@testable import MaximizeCore

/// HTTP dates in the three forms RFC 9110 makes a recipient accept, and `retry-after` in both
/// of its forms.
struct HTTPDateTests {
    /// RFC 9110's example instant, 1994-11-06 08:49:37 UTC.
    static let example = 784_111_777.0
    static let now = 1_795_000_000.0  // 2026-11-18

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",  // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
        "Sun Nov  6 08:49:37 1994",  // asctime, the day space-padded
        "sun, 06 nov 1994 08:49:37 gmt",
    ])
    func everyFormNamesTheSameInstant(text: String) {
        #expect(HTTPDate.unixTime(text, now: Self.now) == Self.example)
    }

    @Test func knownInstants() {
        #expect(HTTPDate.unixTime("Thu, 01 Jan 1970 00:00:00 GMT", now: Self.now) == 0)
        #expect(HTTPDate.unixTime("Wed, 21 Oct 2026 07:28:00 GMT", now: Self.now) == 1_792_567_680)
        #expect(HTTPDate.unixTime("Tue, 29 Feb 2028 23:59:59 GMT", now: Self.now) == 1_835_481_599)
        // RFC 850's two-digit year: the latest year not more than 50 years ahead.
        #expect(HTTPDate.unixTime("Monday, 01-Jan-30 00:00:00 GMT", now: Self.now) == 1_893_456_000)
        #expect(HTTPDate.unixTime("Friday, 01-Jan-99 00:00:00 GMT", now: Self.now) == 915_148_800)
    }

    @Test(arguments: [
        "", "soon", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 29 Feb 2027 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1969 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT" + String(repeating: " ", count: 64),
    ])
    func whatIsNotADate(text: String) {
        #expect(HTTPDate.unixTime(text, now: Self.now) == nil)
    }

    @Test(
        arguments: [
            ("120", 120), (" 7 ", 7), ("0", 0), ("2.5", 2.5), ("-1", nil), ("nan", nil), ("1e999", nil), ("", nil),
            ("Wed, 18 Nov 2026 11:06:40 GMT", 0),  // `now` itself
            ("Wed, 18 Nov 2026 11:08:10 GMT", 90),
            ("Sun, 06 Nov 1994 08:49:37 GMT", 0),  // past
            ("in a minute", nil),
        ] as [(String, Double?)]
    )
    func retryAfterInBothForms(text: String, seconds: Double?) {
        #expect(RetryAfter.seconds(text, now: Self.now) == seconds)
    }
}
