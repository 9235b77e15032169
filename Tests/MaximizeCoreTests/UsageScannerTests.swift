import Foundation
import Testing

@testable import MaximizeCore

struct UsageScannerTests {
    func scan(_ text: String, eventStream: Bool, chunk: Int) -> UsageScanner.Usage? {
        var scanner = UsageScanner(eventStream: eventStream)
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + chunk)
            bytes[index..<end].withUnsafeBytes { scanner.consume($0) }
            index = end
        }
        return scanner.finish()
    }

    static let stream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":1}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"usage"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    @Test(arguments: [1, 7, 64, 100_000])
    func eventStreamInAnyChunking(chunk: Int) throws {
        let usage = try #require(scan(Self.stream, eventStream: true, chunk: chunk))
        #expect(usage.inputTokens == 12)
        #expect(usage.outputTokens == 7)
        #expect(usage.cacheReadInputTokens == 3)
    }

    @Test(arguments: [3, 1000])
    func jsonResponse(chunk: Int) throws {
        let body =
            #"{"id":"m","content":[{"type":"text","text":"\#(String(repeating: "x", count: 20000))"}],"usage":{"input_tokens":5,"output_tokens":9}}"#
        let usage = try #require(scan(body, eventStream: false, chunk: chunk))
        #expect(usage == UsageScanner.Usage(inputTokens: 5, outputTokens: 9))
    }

    @Test(arguments: [1, 5, 4096])
    func crlfLinesAndAnOverlongLineInBetween(chunk: Int) throws {
        let long = "data: {\"type\":\"content_block_delta\",\"text\":\"\(String(repeating: "y", count: 70_000))\"}"
        let text = Self.stream.replacingOccurrences(of: "\n", with: "\r\n")
            .replacingOccurrences(of: "event: message_delta", with: long + "\r\n\r\nevent: message_delta")
        let usage = try #require(scan(text, eventStream: true, chunk: chunk))
        #expect(usage == UsageScanner.Usage(inputTokens: 12, outputTokens: 7, cacheReadInputTokens: 3))
    }

    @Test func noUsage() {
        #expect(scan(#"{"type":"error","error":{"type":"api_error","message":"x"}}"#, eventStream: false, chunk: 10) == nil)
        #expect(scan("event: ping\ndata: {}\n\n", eventStream: true, chunk: 10) == nil)
    }
}
