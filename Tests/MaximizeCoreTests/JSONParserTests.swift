import Testing

@testable import MaximizeCore

struct JSONParserTests {
    private func parseError(_ text: String) -> JSONParseError? {
        parseError(Array(text.utf8))
    }

    private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func members(_ text: String) throws(JSONParseError) -> [JSONParser.RawMember] {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> [JSONParser.RawMember] in try JSONParser.topLevelMembers(buffer) }
        }
        return try result.get()
    }

    @Test func parsesEveryValueKind() throws {
        let value = try JSONParser.parse(#" {"n":null,"t":true,"f":false,"i":-12,"s":"x","a":[1,[]],"o":{}} "#)
        let expected: JSONValue = [
            "n": nil, "t": true, "f": false, "i": .number("-12"), "s": "x", "a": [1, []], "o": [:],
        ]
        #expect(value == expected)
    }

    @Test(arguments: [
        ("[]", JSONValue.array([])), ("{}", .object(JSONObject())), ("null", .null), ("true", .bool(true)),
        ("\"\"", .string("")), (" 0 ", .number("0")),
    ])
    func parsesScalarsAndEmptyContainers(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: ["0", "-0", "1.50", "1e3", "-2.5E-10", "123456789012345678901234567890", "0.0"])
    func numbersKeepTheirText(text: String) throws {
        #expect(try JSONParser.parse(text) == .number(text))
        #expect(try JSONParser.parse("[\(text)]").serialized().text == "[\(text)]")
    }

    @Test func stringEscapes() throws {
        let value = try JSONParser.parse(#""q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\u20AC""#)
        #expect(value == .string("q\" b\\ s/ \u{8}\u{C}\n\r\t Aé€"))
    }

    @Test func surrogatePairsAndLoneSurrogates() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""\uD834\uDD1E!""#) == .string("𝄞!"))
        #expect(try JSONParser.parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse(#""\ude00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test func rawUTF8IsKept() throws {
        #expect(try JSONParser.parse("\"héllo €😀\"") == .string("héllo €😀"))
        #expect(try JSONParser.parse("\"é\\n€\"") == .string("é\n€"))
    }

    @Test func keyOrderIsPreserved() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":{"y":1,"b":2}}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.keys == ["y", "b"])
        #expect(value.jsonString == #"{"z":1,"a":2,"m":{"y":1,"b":2}}"#)
    }

    @Test func truncatedDocumentReportsLineAndColumn() throws {
        let error = try #require(parseError("{\n  \"a\": [1,\n  2"))
        #expect(error.line == 3)
        #expect(error.column == 4)
        #expect(error.offset == 16)
        #expect(error.message.contains("ends early"))
        #expect(error.description.hasSuffix("at line 3, column 4"))
    }

    @Test func errorPositionPointsAtTheProblem() throws {
        let error = try #require(parseError("{\"a\":1,\n \"b\" 2}"))
        #expect(error.line == 2)
        #expect(error.column == 6)
        #expect(error.message == "expected ':'")
    }

    @Test(arguments: [
        "", " ", "{", "[", "\"abc", "{\"a\"", "{\"a\":", "[1,", "tru", "nul", "-", "1.", "1e", "1e+", "\"\\u12",
    ])
    func truncatedDocumentsFail(text: String) {
        #expect(parseError(text) != nil)
    }

    @Test(arguments: ["[1,]", "{\"a\":1,}", "[,1]", "{,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{1:2}"])
    func trailingCommasAndBadSeparatorsFail(text: String) {
        #expect(parseError(text) != nil)
    }

    @Test(arguments: [
        "01", "+1", ".5", "1.e3", "NaN", "Infinity", "0x10", "'a'", "True", "[1] 2", "{} {}", "nullx", "\"a\"b",
    ])
    func invalidValuesAndTrailingGarbageFail(text: String) {
        #expect(parseError(text) != nil)
    }

    @Test func trailingGarbageMessage() throws {
        let error = try #require(parseError("{} x"))
        #expect(error.message == "unexpected data after the JSON value")
        #expect(error.column == 4)
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22], [0x22, 0xE2, 0x82],
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],
        ] as [[UInt8]]
    )
    func invalidUTF8Fails(bytes: [UInt8]) throws {
        let error = try #require(parseError(bytes))
        #expect(error.message.hasPrefix("invalid UTF-8") || error.message.hasPrefix("unterminated"))
    }

    @Test(arguments: [0x00, 0x01, 0x0A, 0x09, 0x1F] as [UInt8])
    func controlCharactersInStringsFail(byte: UInt8) throws {
        let error = try #require(parseError([0x22, 0x61, byte, 0x22]))
        #expect(error.message.hasPrefix("control character"))
        let escaped = try #require(parseError([0x22, 0x5C, 0x6E, byte, 0x22]))
        #expect(escaped.message.hasPrefix("control character"))
    }

    @Test(arguments: [#""\x""#, #""\u00G0""#, #""\U0041""#, #""\'""#])
    func invalidEscapesFail(text: String) {
        #expect(parseError(text) != nil)
    }

    @Test func nestingLimit() throws {
        let depth = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONParser.parse(deepest) }
        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(parseError(tooDeep)?.message == "nesting is too deep")
        let objects = String(repeating: "{\"a\":", count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
        #expect(parseError(objects)?.message == "nesting is too deep")
        let hostile = String(repeating: "[", count: 100_000)
        #expect(parseError(hostile)?.message == "nesting is too deep")
    }

    @Test func topLevelMemberRangesPointAtValueBytes() throws {
        let text = #" { "model" : "xs" ,"n":-1.5e2, "o":{"a":[1,{"b":"}"}]},"s":"a\"b","e":[] } "#
        let bytes = Array(text.utf8)
        let result = try members(text)
        #expect(result.map(\.key) == ["model", "n", "o", "s", "e"])
        let values = result.map { String(decoding: bytes[$0.valueRange], as: UTF8.self) }
        #expect(values == [#""xs""#, "-1.5e2", #"{"a":[1,{"b":"}"}]}"#, #""a\"b""#, "[]"])
    }

    @Test func topLevelMembersDecodesKeysAndAcceptsEmptyObject() throws {
        #expect(try members("{}").isEmpty)
        #expect(try members(#"{"\u0061\n":true}"#).map(\.key) == ["a\n"])
    }

    @Test(arguments: ["[]", "\"x\"", "1", "null", "", "   ", "{\"a\":1} x", "{\"a\":1,}", "{\"a\":[1,]}", "{\"a\":"])
    func topLevelMembersRejectsNonObjectsAndInvalidDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try members(text) }
    }

    @Test func topLevelMembersMessages() throws {
        let empty = #expect(throws: JSONParseError.self) { try members(" ") }
        #expect(empty?.message.hasPrefix("the body is empty") == true)
        let array = #expect(throws: JSONParseError.self) { try members("[1]") }
        #expect(array?.message == "expected a JSON object")
    }

    @Test func topLevelMembersValidatesNestedValues() {
        func nested(_ count: Int) -> String {
            "{\"a\":" + String(repeating: "[", count: count) + String(repeating: "]", count: count) + "}"
        }
        #expect(throws: Never.self) { try members(nested(JSONParser.maximumDepth - 1)) }
        #expect(throws: JSONParseError.self) { try members(nested(JSONParser.maximumDepth)) }
        #expect(throws: JSONParseError.self) { try members("{\"a\":\"\u{1}\"}") }
        #expect(throws: JSONParseError.self) { try members(#"{"a":"\q"}"#) }
    }
}
