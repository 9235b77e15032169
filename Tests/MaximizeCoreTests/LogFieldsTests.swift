import Logging
import Testing

@testable import MaximizeCore

/// The access line's fast path (``LogFields``) writes, in both formats, exactly the bytes the
/// metadata path writes for the same fields.
struct LogFieldsTests {
    /// Fields of every kind, with the values that format differently: text from outside with
    /// quotes, control characters and non-ASCII; integers at their limits; numbers that are
    /// whole, fractional, tiny, huge and not finite; a key that JSON must rename.
    static let samples: [LogFields] = {
        var all = LogFields()
        all.append("a_text", .text("plain"))
        all.append("b_hostile", .text("quote\" back\\slash\nline\u{0}nul\u{7F} é 😀 \u{2028}"))
        all.append("c_empty", .text(""))
        all.append("d_zero", .integer(0))
        all.append("e_negative", .integer(-42))
        all.append("f_max", .integer(.max))
        all.append("g_min", .integer(.min))
        all.append("h_whole", .number(1))
        all.append("i_fraction", .number(0.257))
        all.append("j_tiny", .number(0.00001))
        all.append("k_huge", .number(1e300))
        all.append("l_nan", .number(.nan))
        all.append("m_infinite", .number(-.infinity))
        all.append("message", .text("renamed in JSON"))
        all.append("n_true", .flag(true))
        all.append("o_false", .flag(false))
        var access = LogFields()
        access.append("bytes_in", .integer(123))
        access.append("duration_ms", .number(12.5))
        access.append("route", .text("/v1/messages"))
        access.append("status", .integer(200))
        return [all, access, LogFields()]
    }()

    @Test(arguments: samples.indices) func textLinesAreTheSameBytes(index: Int) {
        let fields = Self.samples[index]
        let fast = TextLogLine.encode(
            seconds: 1_795_000_000,
            level: .info,
            label: "maximize",
            source: "MaximizeSidecar",
            message: "access",
            fields: fields
        )
        let slow = TextLogLine.encode(
            seconds: 1_795_000_000,
            level: .info,
            label: "maximize",
            source: "MaximizeSidecar",
            message: "access",
            metadata: fields.metadata
        )
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: slow, as: UTF8.self))
        #expect(fast == slow)
    }

    @Test(arguments: samples.indices) func jsonLinesAreTheSameBytes(index: Int) throws {
        let fields = Self.samples[index]
        let time = (seconds: 1_795_000_000, nanoseconds: 123_456_789)
        let fast = JSONLogLine.encode(time: time, level: .info, label: "maximize", message: "access", fields: fields)
        let slow = JSONLogLine.encode(time: time, level: .info, label: "maximize", message: "access", metadata: fields.metadata)
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: slow, as: UTF8.self))
        #expect(fast == slow)
        #expect((try? JSONParser.parse(Array(fast.dropLast()))) != nil)
    }

    @Test func integersAreWrittenAsStringWritesThem() {
        var generator = SystemRandomNumberGenerator()
        let values =
            [0, 1, -1, 9, 10, 99, 100, -100, .max, .min, .max - 1, .min + 1] + (0..<200).map { _ in Int.random(in: .min ... .max, using: &generator) }
        for value in values {
            var line: [UInt8] = []
            LogFields.Value.appendInteger(value, to: &line)
            #expect(String(decoding: line, as: UTF8.self) == String(value))
        }
    }
}
