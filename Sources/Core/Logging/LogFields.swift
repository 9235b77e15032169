public import Logging

/// A record's fields, appended in the order they are written: sorted by key, as swift-log's text
/// line and ``JSONLogLine`` put metadata. For a line written on every request (the access line):
/// no `Logger.Metadata` dictionary to hash into and sort, no existential to describe.
///
/// ``TextLogLine/encode(seconds:level:label:source:message:fields:)`` and
/// ``JSONLogLine/encode(time:level:label:message:fields:)`` write exactly the bytes their
/// `metadata:` forms write for ``metadata``.
public struct LogFields: Sendable {
    /// A field's value: the four kinds a line of this daemon holds.
    public enum Value: Sendable, Equatable {
        /// Text, written as it is (text) or as a JSON string.
        case text(String)
        /// An integer, written as a number in both formats.
        case integer(Int)
        /// A number, as `Double.description` writes it (a JSON string if not finite).
        case number(Double)
        /// `true` or `false`.
        case flag(Bool)
    }

    /// The fields in the order appended.
    public private(set) var fields: [(key: String, value: Value)] = []

    public init(capacity: Int = 0) {
        fields.reserveCapacity(capacity)
    }

    /// Appends a field; its key must sort after the previous one (checked in debug builds).
    public mutating func append(_ key: String, _ value: Value) {
        assert(fields.last.map { $0.key < key } ?? true, "log field \(key) appended out of order")
        fields.append((key, value))
    }

    /// The same fields as swift-log metadata (for a handler other than the daemon's).
    public var metadata: Logger.Metadata {
        var metadata = Logger.Metadata(minimumCapacity: fields.count)
        for (key, value) in fields {
            switch value {
            case .text(let text): metadata[key] = .string(text)
            case .integer(let number): metadata[key] = .stringConvertible(number)
            case .number(let number): metadata[key] = .stringConvertible(number)
            case .flag(let flag): metadata[key] = .stringConvertible(flag)
            }
        }
        return metadata
    }
}

extension LogFields.Value {
    /// Appends the value as the text line writes it (its `description`).
    func appendText(to line: inout [UInt8]) {
        switch self {
        case .text(let text): Self.appendUTF8(text, to: &line)
        case .integer(let number): Self.appendInteger(number, to: &line)
        case .number(let number): Self.appendUTF8(number.description, to: &line)
        case .flag(let flag): Self.appendUTF8(flag ? "true" : "false", to: &line)
        }
    }

    /// Appends the value as ``JSONLogLine`` writes it: a number or boolean as a literal.
    func appendJSON(to line: inout [UInt8]) {
        switch self {
        case .text(let text): JSONLogLine.appendString(text, to: &line)
        case .integer(let number): Self.appendInteger(number, to: &line)
        case .number(let number) where number.isFinite: Self.appendUTF8(number.description, to: &line)
        case .number(let number): JSONLogLine.appendString(number.description, to: &line)
        case .flag(let flag): Self.appendUTF8(flag ? "true" : "false", to: &line)
        }
    }

    /// `String(number)`, without making the string.
    static func appendInteger(_ number: Int, to line: inout [UInt8]) {
        if number < 0 { line.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: Int.min has 19 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            line.append(contentsOf: buffer[index...])
        }
    }

    /// The string's bytes, copied at once.
    static func appendUTF8(_ text: String, to line: inout [UInt8]) {
        var text = text
        text.withUTF8 { line.append(contentsOf: $0) }
    }
}
