import Testing

@testable import MaximizeCore

struct TimestampTests {
    @Test func aUTCOffsetIsApplied() throws {
        let utc = try #require(Timestamp.unixTime(iso8601: "2025-02-19T12:00:00Z"))
        let plusTwo = try #require(Timestamp.unixTime(iso8601: "2025-02-19T12:00:00+02:00"))
        let minusFiveThirty = try #require(Timestamp.unixTime(iso8601: "2025-02-19T12:00:00-05:30"))
        #expect(utc - plusTwo == 2 * 3600)
        #expect(minusFiveThirty - utc == 5.5 * 3600)
    }

    @Test func fractionalSecondsAreKept() throws {
        let whole = try #require(Timestamp.unixTime(iso8601: "2025-02-19T00:00:00Z"))
        let fraction = try #require(Timestamp.unixTime(iso8601: "2025-02-19T00:00:00.25Z"))
        #expect(fraction - whole == 0.25)
        let offset = try #require(Timestamp.unixTime(iso8601: "2025-02-19T00:00:00.999+02:00"))
        #expect(abs(offset - (whole - 7200 + 0.999)) < 1e-6)
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"), (1_764_064_805.7, "2025-11-25T10:00:05Z"), (-1, "1969-12-31T23:59:59Z"),
        (1_709_210_096, "2024-02-29T12:34:56Z"),
    ])
    func formatsUTCWholeSeconds(seconds: Double, text: String) {
        #expect(Timestamp.iso8601(seconds) == text)
    }

    @Test func roundTrips() throws {
        let text = Timestamp.iso8601(1_800_000_000)
        #expect(try #require(Timestamp.unixTime(iso8601: text)) == 1_800_000_000)
    }
}
