import Foundation
import Logging
import MaximizeCore
import NIOConcurrencyHelpers
import Testing

@testable import MaximizeSidecar

extension AccessLogTests {
    /// Through the daemon's own handler the access line skips swift-log's metadata
    /// (``LogFields``, written straight into the line): the same fields, sorted, in both formats.
    @Test(arguments: [LogFormat.text, .json])
    func theDaemonsHandlerWritesTheLineFromItsFields(format: LogFormat) throws {
        let harness = try ExchangeHarness()
        let lines = NIOLockedValueBox<[[UInt8]]>([])
        let output = LogOutput { line in lines.withLockedValue { $0.append(line) } }
        output.format = format
        let logger = Logger(label: "maximize") { label in DaemonLogHandler(label: label, output: output) }
        harness.daemon.replaceConfiguration(RuntimeConfiguration(loaded: harness.daemon.current.loaded, baseLogger: logger))
        #expect(harness.daemon.current.fieldWriter != nil)

        try harness.request(body: Self.streamBody)
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        transfer.body(#"event: message_start\#ndata: {"type":"message_start","message":{"usage":{"input_tokens":11,"output_tokens":1}}}\#n\#n"#)
        transfer.end()
        harness.run()
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1)
        let line = String(decoding: try #require(written.first), as: UTF8.self)
        let fields: [(String, String)]
        switch format {
        case .text:
            #expect(line.hasSuffix(" [MaximizeSidecar] access\n"))
            let body = try #require(line.split(separator: ": ", maxSplits: 1).last?.split(separator: " [").first)
            fields = body.split(separator: " ").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
            }
        case .json:
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["message"] as? String == "access")
            #expect(object["status"] as? Int == 200)
            #expect(object["stream"] as? Bool == true)
            // In the order written: the keys after the four fixed ones.
            let keys = try JSONParser.parse(Array(line.utf8.dropLast())).objectValue?.members.map(\.key) ?? []
            fields = keys.dropFirst(4).map { ($0, "\(object[$0] ?? "")") }
        }
        let keys = fields.map(\.0)
        #expect(keys == keys.sorted())
        let values = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        #expect(values["route"] == "/v1/messages")
        #expect(values["status"] == "200")
        #expect(values["input_tokens"] == "11")
        #expect(values["request_id"] == "req_0123")
        #expect(values["model_upstream"] == Defaults.nicknames["s"])
        #expect(!line.contains("secret prompt"))
    }

    /// A handler with metadata of its own goes through swift-log, which merges it in.
    @Test func aLoggerWithMetadataTakesTheMetadataPath() throws {
        let harness = try ExchangeHarness()
        let output = LogOutput { _ in }
        var logger = Logger(label: "maximize") { label in DaemonLogHandler(label: label, output: output) }
        logger[metadataKey: "replica"] = "a"
        #expect(RuntimeConfiguration(loaded: harness.daemon.current.loaded, baseLogger: logger).fieldWriter == nil)
    }
}
