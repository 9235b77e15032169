import Testing

@testable import MaximizeCore

struct JSONValueTests {
    @Test func serializesCompactlyInOrder() {
        let value: JSONValue = ["b": [1, true, nil], "a": ["x": .number("1.50")], "s": "t"]
        #expect(value.jsonString == #"{"b":[1,true,null],"a":{"x":1.50},"s":"t"}"#)
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        let value = JSONValue.string("q\"b\\n\nr\rt\t\u{0}\u{1}\u{8}\u{C}\u{1F}/é😀")
        #expect(value.jsonString == #""q\"b\\n\nr\rt\t\u0000\u0001\u0008\u000c\u001f/é😀""#)
        let key: JSONValue = ["a\"\n": 1]
        #expect(key.jsonString == #"{"a\"\n":1}"#)
    }

    @Test(arguments: [
        #"{"model":"x","messages":[{"role":"user","content":"hi \"there\"\n"}],"n":-1.5e-3,"b":false,"z":null}"#,
        #"[[],{},"",0,"\u0000\\\/"]"#,
        #""\ud83d\ude00 \t""#,
    ])
    func roundTrips(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test func allControlCharactersRoundTrip() throws {
        let text = String(decoding: (0..<0x20).map { UInt8($0) } + Array("\"\\".utf8), as: UTF8.self)
        let serialized = JSONValue.string(text).serialized()
        #expect(!serialized.dropFirst().dropLast().contains { $0 < 0x20 })
        #expect(try JSONParser.parse(serialized) == .string(text))
    }

    @Test func accessorsAndHelpers() {
        #expect(JSONValue.int(-3) == .number("-3"))
        #expect(JSONValue.double(2.0) == .number("2"))
        #expect(JSONValue.double(0.5) == .number("0.5"))
        #expect(JSONValue.number("3.0").intValue == 3)
        #expect(JSONValue.number("3.5").intValue == nil)
        #expect(JSONValue.number("1e2").doubleValue == 100)
        #expect(JSONValue.string("1").intValue == nil)
        #expect(JSONValue.null.isNull)
        #expect(JSONValue.array([]).typeName == "array")
    }

    @Test func objectSubscriptSetsReplacesAndRemoves() {
        var object = JSONObject()
        object["a"] = 1
        object["b"] = 2
        object["a"] = 3
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        object["a"] = nil
        #expect(object.keys == ["b"])
    }
}
