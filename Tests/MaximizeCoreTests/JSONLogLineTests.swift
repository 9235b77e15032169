import Foundation
import Logging
import Testing

@testable import MaximizeCore

/// `server.log_format: json`: every line is one valid JSON object, whatever it carries.
struct JSONLogLineTests {
    /// The line for `message` and `metadata`, parsed by Foundation (an independent parser) after
    /// checking it is one line ending in a newline.
    static func parsed(
        _ message: String,
        metadata: Logger.Metadata? = nil,
        time: JSONLogLine.Time = (1_795_000_000, 123_456_789)
    ) throws -> [String: Any] {
        let line = JSONLogLine.encode(time: time, level: .warning, label: "maximize", message: message, metadata: metadata)
        #expect(line.last == UInt8(ascii: "\n"))
        // No raw control character or line separator: a reader that splits on any of them still
        // gets the whole record.
        #expect(
            !String(decoding: line.dropLast(), as: UTF8.self).unicodeScalars.contains {
                $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{2028}" || $0 == "\u{2029}"
            }
        )
        #expect((try? JSONParser.parse(Array(line.dropLast()))) != nil)
        let object = try JSONSerialization.jsonObject(with: Data(line.dropLast()))
        return try #require(object as? [String: Any])
    }

    @Test func theFixedFieldsComeFirstWithAnRFC3339UTCTimeWithMicroseconds() throws {
        let line = JSONLogLine.encode(time: (1_795_000_000, 123_456_789), level: .info, label: "maximize", message: "ready", metadata: nil)
        #expect(
            String(decoding: line, as: UTF8.self) == #"{"time":"2026-11-18T11:06:40.123456Z","level":"info","message":"ready","logger":"maximize"}"#
                + "\n"
        )
        let early = JSONLogLine.encode(time: (0, 5_000), level: .critical, label: "m", message: "", metadata: [:])
        #expect(String(decoding: early, as: UTF8.self).hasPrefix(#"{"time":"1970-01-01T00:00:00.000005Z","level":"critical""#))
    }

    @Test(arguments: [
        "quote \" and backslash \\ and slash /",
        "new\nline\r\nand\ttab",
        "NUL \u{0} BEL \u{7} ESC \u{1B}[31m DEL \u{7F} C1 \u{85}",
        "separators \u{2028} \u{2029} and e\u{2}\u{80}\u{A8}",
        "emoji 🦊, accents é, CJK 漢字, RTL override \u{202E}",
        #"{"type":"error"}"# + "\n}\n{",
        String(repeating: "\\\"", count: 200),
    ])
    func hostileTextStaysOneValidLine(text: String) throws {
        let object = try Self.parsed(text, metadata: ["key \"with\" quotes\n": .string(text)])
        #expect(object["message"] as? String == text)
        #expect(object["key \"with\" quotes\n"] as? String == text)
    }

    @Test func invalidUTF8FromOutsideIsRepairedNotCopied() throws {
        // What a String made from outside bytes holds: the bad bytes become U+FFFD.
        let bytes: [UInt8] = [0x6F, 0x6B, 0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x80, 0x22, 0xED, 0xA0, 0x80]
        let text = String(decoding: bytes, as: UTF8.self)
        let object = try Self.parsed(text, metadata: ["body": .string(text)])
        #expect((object["message"] as? String)?.hasPrefix("ok\u{FFFD}") == true)
        #expect(object["body"] as? String == text)
    }

    @Test func metadataBecomesNestedFieldsWithNumbersAndBooleans() throws {
        let object = try Self.parsed(
            "access",
            metadata: [
                "route": "/v1/messages",
                "status": .stringConvertible(200),
                "duration_ms": .stringConvertible(12.5),
                "stream": .stringConvertible(true),
                "big": .stringConvertible(UInt64.max),
                "nan": .stringConvertible(Double.nan),
                "limits": ["window": "5h", "used": .stringConvertible(0.25), "list": ["a", .stringConvertible(false), [:]]],
            ]
        )
        #expect(object["route"] as? String == "/v1/messages")
        #expect((object["status"] as? NSNumber)?.intValue == 200)
        #expect((object["duration_ms"] as? NSNumber)?.doubleValue == 12.5)
        #expect(object["stream"] as? Bool == true)
        #expect((object["big"] as? NSNumber)?.uint64Value == UInt64.max)
        #expect(object["nan"] as? String == "nan")
        let limits = try #require(object["limits"] as? [String: Any])
        #expect(limits["window"] as? String == "5h")
        #expect((limits["used"] as? NSNumber)?.doubleValue == 0.25)
        let list = try #require(limits["list"] as? [Any])
        #expect(list.count == 3)
        #expect(list[1] as? Bool == false)
        #expect((list[2] as? [String: Any])?.isEmpty == true)
    }

    @Test func metadataCannotReplaceAFixedField() throws {
        let object = try Self.parsed("the real message", metadata: ["message": "forged", "level": "debug", "time": "then"])
        #expect(object["message"] as? String == "the real message")
        #expect(object["level"] as? String == "warning")
        #expect(object["metadata.message"] as? String == "forged")
        #expect(object["metadata.time"] as? String == "then")
    }

    @Test func deepNestingIsCut() throws {
        var value: Logger.MetadataValue = "bottom"
        for _ in 0..<100 { value = .array([value]) }
        let object = try Self.parsed("deep", metadata: ["deep": value])
        var node: Any? = object["deep"]
        var depth = 0
        while let array = node as? [Any] {
            node = array.first
            depth += 1
        }
        #expect(depth == JSONLogLine.maximumDepth)
        #expect(node as? String == "…")
    }

    @Test func theFormatIsReadFromTheConfigurationTheEnvironmentAndTheFlag() throws {
        #expect(try makeSettings().server.logFormat == .text)
        #expect(try makeSettings().server.accessLog)
        let fromFile = try makeSettings(config: #"{"server":{"log_format":"json","access_log":false}}"#).server
        #expect(fromFile.logFormat == .json)
        #expect(!fromFile.accessLog)
        let fromEnvironment = try makeSettings(environment: ["MAXIMIZE_LOG_FORMAT": "JSON"], config: #"{"server":{"log_format":"text"}}"#)
        #expect(fromEnvironment.server.logFormat == .json)
        #expect(LogFormat.early(flag: "json", environment: ["MAXIMIZE_LOG_FORMAT": "text"]) == .json)
        #expect(LogFormat.early(flag: nil, environment: ["MAXIMIZE_LOG_FORMAT": "json"]) == .json)
        #expect(LogFormat.early(flag: nil, environment: [:]) == nil)
        #expect(LogFormat.early(flag: "xml", environment: ["MAXIMIZE_LOG_FORMAT": "json"]) == nil)
    }

    @Test(arguments: [
        (#"{"server":{"log_format":"logfmt"}}"#, "server.log_format"),
        (#"{"server":{"log_format":1}}"#, "server.log_format"),
        (#"{"server":{"access_log":"sometimes"}}"#, "server.access_log"),
    ])
    func badSettingsAreRefusedByName(config: String, key: String) {
        do {
            _ = try makeSettings(config: config)
            Issue.record("accepted \(config)")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
