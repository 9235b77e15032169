import Glibc
public import Logging

/// One log record as one line of JSON (`server.log_format: json`), for a log pipeline (Fluent Bit,
/// Vector, Loki, Cloud Logging):
///
///     {"time":"2026-11-27T10:18:09.123456Z","level":"info","message":"access","logger":"maximize","route":"/v1/messages","status":200}
///
/// `time` is RFC 3339 in UTC with microseconds; the metadata follows as fields, sorted by key, a
/// dictionary as an object and an array as an array. A number, a `Bool` or a `Double` given as
/// `.stringConvertible` is written as a JSON number or boolean, anything else as a string. Every
/// line is valid JSON whatever its text holds: quotes, backslashes and control characters are
/// escaped, and a Swift `String` holds only valid UTF-8 (bytes from outside were repaired into
/// U+FFFD when they became one). A metadata key that would replace one of the four fixed fields
/// is written with a `metadata.` prefix.
public enum JSONLogLine {
    /// The fields every line starts with, in this order.
    public static let fixedKeys: Set<String> = ["time", "level", "message", "logger"]
    /// Nesting deeper than this is written as the string `"…"` (metadata is not meant to be deep).
    static let maximumDepth = 16

    /// Wall-clock time: seconds since the Unix epoch and nanoseconds into that second.
    public typealias Time = (seconds: Int, nanoseconds: Int)

    /// The line for one record, with its newline.
    public static func encode(
        time: Time,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata?
    ) -> [UInt8] {
        var line = start(time: time, level: level, label: label, message: message, capacity: (metadata?.count ?? 0) * 32)
        if let metadata, !metadata.isEmpty {
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                appendKey(key, to: &line)
                appendValue(value, to: &line, depth: 0)
            }
        }
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// The line for one record whose fields come in order (``LogFields``): the same bytes as
    /// the `metadata:` form given ``LogFields/metadata``.
    public static func encode(
        time: Time,
        level: Logger.Level,
        label: String,
        message: String,
        fields: LogFields
    ) -> [UInt8] {
        var line = start(time: time, level: level, label: label, message: message, capacity: fields.fields.count * 32)
        for (key, value) in fields.fields {
            appendKey(key, to: &line)
            value.appendJSON(to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// `{"time":…,"level":…,"message":…,"logger":…`
    private static func start(time: Time, level: Logger.Level, label: String, message: String, capacity: Int) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(160 + message.utf8.count + capacity)
        line.append(contentsOf: #"{"time":""#.utf8)
        appendTime(time, to: &line)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: level.rawValue.utf8)
        line.append(contentsOf: #"","message":"#.utf8)
        appendString(message, to: &line)
        line.append(contentsOf: #","logger":"#.utf8)
        appendString(label, to: &line)
        return line
    }

    /// `,"key":`, prefixed with `metadata.` when it would replace a fixed field.
    private static func appendKey(_ key: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: ","))
        appendString(isFixed(key) ? "metadata." + key : key, to: &line)
        line.append(UInt8(ascii: ":"))
    }

    /// Whether `key` is one of ``fixedKeys`` (without hashing it: this runs for every field).
    static func isFixed(_ key: String) -> Bool {
        switch key.utf8.count {
        case 4: key == "time"
        case 5: key == "level"
        case 6: key == "logger"
        case 7: key == "message"
        default: false
        }
    }

    /// The time now, for ``encode(time:level:label:message:metadata:)``.
    public static func now() -> Time {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int(spec.tv_sec), Int(spec.tv_nsec))
    }

    /// `2026-11-27T10:18:09.123456Z`.
    static func appendTime(_ time: Time, to line: inout [UInt8]) {
        var seconds = time_t(time.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        appendDigits(Int(parts.tm_year) + 1900, count: 4, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), count: 2, to: &line)
        line.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), count: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), count: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), count: 2, to: &line)
        line.append(UInt8(ascii: "."))
        appendDigits(time.nanoseconds / 1000, count: 6, to: &line)
        line.append(UInt8(ascii: "Z"))
    }

    private static func appendDigits(_ value: Int, count: Int, to line: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = max(0, value)
        while divisor > 0 {
            line.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    static func appendValue(_ value: Logger.MetadataValue, to line: inout [UInt8], depth: Int) {
        guard depth < maximumDepth else {
            appendString("…", to: &line)
            return
        }
        switch value {
        case .string(let text):
            appendString(text, to: &line)
        case .stringConvertible(let convertible):
            if let literal = literal(convertible) {
                line.append(contentsOf: literal.utf8)
            } else {
                appendString(convertible.description, to: &line)
            }
        case .dictionary(let dictionary):
            line.append(UInt8(ascii: "{"))
            for (index, (key, member)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendString(key, to: &line)
                line.append(UInt8(ascii: ":"))
                appendValue(member, to: &line, depth: depth + 1)
            }
            line.append(UInt8(ascii: "}"))
        case .array(let array):
            line.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendValue(element, to: &line, depth: depth + 1)
            }
            line.append(UInt8(ascii: "]"))
        }
    }

    /// A JSON number or boolean for a value that is one; `nil` for anything else. The common
    /// types are tried first: each cast from an existential costs.
    static func literal(_ value: any CustomStringConvertible & Sendable) -> String? {
        if let number = value as? Int { return String(number) }
        if let number = value as? Double { return number.isFinite ? number.description : nil }
        if let flag = value as? Bool { return flag ? "true" : "false" }
        switch value {
        case let number as Int64: return String(number)
        case let number as Int32: return String(number)
        case let number as UInt: return String(number)
        case let number as UInt64: return String(number)
        case let number as UInt32: return String(number)
        default: return nil
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string: quotes, backslashes and control characters (C0, DEL) escaped, and
    /// U+2028 / U+2029 too (a line separator some readers split on). Runs of bytes that need
    /// nothing are copied at once.
    static func appendString(_ text: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let escape: StaticString?
                var length = 1
                switch byte {
                case UInt8(ascii: "\""): escape = #"\""#
                case UInt8(ascii: "\\"): escape = #"\\"#
                case 0x0A: escape = #"\n"#
                case 0x0D: escape = #"\r"#
                case 0x09: escape = #"\t"#
                case 0x00..<0x20, 0x7F: escape = ""
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
                    escape = bytes[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#
                    length = 3
                default: escape = nil
                }
                guard let escape else {
                    index += 1
                    continue
                }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                if escape.utf8CodeUnitCount > 0 {
                    escape.withUTF8Buffer { line.append(contentsOf: $0) }
                } else {
                    line.append(contentsOf: #"\u00"#.utf8)
                    line.append(hexDigits[Int(byte >> 4)])
                    line.append(hexDigits[Int(byte & 0x0F)])
                }
                index += length
                start = index
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        line.append(UInt8(ascii: "\""))
    }
}
