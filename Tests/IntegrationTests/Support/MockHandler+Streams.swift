import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Server-sent event streams: text, tool use, huge and trickled answers.
extension MockHandler {
    /// One server-sent event.
    static func event(_ name: String, _ data: JSONValue) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + data.serialized() + Array("\n\n".utf8)
    }

    /// The `message_start` event every stream opens with.
    static func messageStart(model: String) -> [UInt8] {
        event(
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": "msg_mock", "type": "message", "role": "assistant", "model": .string(model), "content": [],
                    "stop_reason": nil, "stop_sequence": nil, "usage": ["input_tokens": 10, "output_tokens": 1],
                ],
            ]
        )
    }

    /// A tool call streamed as Anthropic does: `tool_use` start, then `input_json_delta` pieces.
    func streamToolUse(context: ChannelHandlerContext, model: String, tool: (name: String, input: JSONValue)) {
        var events: [[UInt8]] = [Self.messageStart(model: model)]
        func event(_ name: String, _ data: JSONValue) { events.append(Self.event(name, data)) }
        event(
            "content_block_start",
            [
                "type": "content_block_start", "index": 0,
                "content_block": ["type": "tool_use", "id": "toolu_mock_1", "name": .string(tool.name), "input": [:]],
            ]
        )
        let json = Array(tool.input.jsonString)
        let middle = json.count / 2
        for part in [String(json[..<middle]), String(json[middle...])] {
            event(
                "content_block_delta",
                [
                    "type": "content_block_delta", "index": 0,
                    "delta": ["type": "input_json_delta", "partial_json": .string(part)],
                ]
            )
        }
        event("content_block_stop", ["type": "content_block_stop", "index": 0])
        event("message_delta", ["type": "message_delta", "delta": ["stop_reason": "tool_use", "stop_sequence": nil], "usage": ["output_tokens": 7]])
        event("message_stop", ["type": "message_stop"])
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        sendEvents(context: context, events: events[...], delay: 0)
    }

    /// Anthropic's event sequence, one event per write, `delay_ms` apart.
    func stream(context: ChannelHandlerContext, model: String, options: JSONObject, text: String? = nil) {
        let count = options["events"]?.intValue ?? 5
        let delay = Int64(options["delay_ms"]?.intValue ?? 0)
        let padding = String(repeating: "x", count: options["pad"]?.intValue ?? 0)
        var events: [[UInt8]] = [Self.messageStart(model: model)]
        func event(_ name: String, _ data: JSONValue) { events.append(Self.event(name, data)) }
        event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]])
        for index in 0..<count {
            event(
                "content_block_delta",
                [
                    "type": "content_block_delta", "index": 0,
                    "delta": ["type": "text_delta", "text": .string("word\(index) " + padding)],
                ]
            )
        }
        event("content_block_stop", ["type": "content_block_stop", "index": 0])
        event(
            "message_delta",
            [
                "type": "message_delta", "delta": ["stop_reason": "end_turn", "stop_sequence": nil],
                "usage": ["output_tokens": .int(count)],
            ]
        )
        event("message_stop", ["type": "message_stop"])

        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "request-id", value: "req_mock_stream")
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        if let cut = options["reset_after_events"]?.intValue {
            // Send a few events, then drop the connection mid-stream.
            sendEvents(context: context, events: events.prefix(cut), delay: delay, thenReset: true)
            return
        }
        sendEvents(context: context, events: events[...], delay: delay)
    }

    func sendEvents(context: ChannelHandlerContext, events: ArraySlice<[UInt8]>, delay: Int64, thenReset: Bool = false) {
        guard streaming, context.channel.isActive else { return }
        if events.isEmpty, thenReset {
            streaming = false
            context.close(promise: nil)
            return
        }
        guard let first = events.first else {
            streaming = false
            mock.counters.withLock { $0.completedStreams += 1 }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: first)))), promise: nil)
        let rest = events.dropFirst()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if delay == 0 {
            sendEvents(context: context, events: rest, delay: 0, thenReset: thenReset)
        } else {
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                bound.value.0.sendEvents(context: bound.value.1, events: rest, delay: delay, thenReset: thenReset)
            }
        }
    }
}
