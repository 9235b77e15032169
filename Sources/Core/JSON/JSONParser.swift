/// A strict JSON (RFC 8259) parser over bytes.
///
/// Besides building a ``JSONValue``, it can validate a document while only recording where each
/// top-level member's value lies, so that the proxy forwards the members it does not change as the
/// client's own bytes instead of decoding and re-encoding them.
public enum JSONParser {
    /// Nesting deeper than this is rejected, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 256

    /// A member of the top-level object: its key and the byte range of its value.
    public struct RawMember: Sendable, Equatable {
        public var key: String
        public var valueRange: Range<Int>
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(buffer)
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if !reader.atEnd { throw reader.error("unexpected data after the JSON value") }
        return value
    }

    /// Validates a whole document that must be an object and returns its members' value ranges.
    public static func topLevelMembers(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> [RawMember] {
        var reader = JSONReader(buffer)
        reader.skipWhitespace()
        guard reader.peek == UInt8(ascii: "{") else {
            if reader.atEnd { throw reader.error("the body is empty; expected a JSON object") }
            throw reader.error("expected a JSON object")
        }
        reader.index += 1
        var members: [RawMember] = []
        reader.skipWhitespace()
        if reader.peek == UInt8(ascii: "}") {
            reader.index += 1
        } else {
            while true {
                reader.skipWhitespace()
                guard reader.peek == UInt8(ascii: "\"") else { throw reader.error("expected a string key") }
                let key = try reader.parseString()
                reader.skipWhitespace()
                try reader.expect(UInt8(ascii: ":"))
                reader.skipWhitespace()
                let start = reader.index
                try reader.skipValue(depth: 1)
                members.append(RawMember(key: key, valueRange: start..<reader.index))
                reader.skipWhitespace()
                if reader.peek == UInt8(ascii: ",") {
                    reader.index += 1
                    continue
                }
                try reader.expect(UInt8(ascii: "}"))
                break
            }
        }
        reader.skipWhitespace()
        if !reader.atEnd { throw reader.error("unexpected data after the JSON value") }
        return members
    }
}
