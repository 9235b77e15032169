import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1

/// Structured outputs as the Messages API answers them: `output_config.format` (or the beta's
/// `output_format`) gets a text block holding JSON generated from the schema; a forced
/// `tool_choice` gets that tool's `tool_use` with an input generated from its `input_schema`.
/// Whole or streamed (the JSON split into several deltas). A schema holding the marker
/// `mock_refuse` is refused with the upstream's 400 shape.
extension MockHandler {
    static let refusedSchemaMessage = "output_config.format.schema: mock refuses this schema (mock_refuse is not supported)"

    /// Answers a request asking for structured output; `false` when it asks for none.
    func answerStructured(context: ChannelHandlerContext, request: JSONValue, model: String) -> Bool {
        let native = request["output_config"]?["format"]?["schema"] ?? request["output_format"]?["schema"]
        var tool: (name: String, schema: JSONValue)?
        if request["tool_choice"]?["type"]?.stringValue == "tool", let name = request["tool_choice"]?["name"]?.stringValue,
            let schema = request["tools"]?.arrayValue?.first(where: { $0["name"]?.stringValue == name })?["input_schema"]
        {
            tool = (name, schema)
        }
        guard let schema = native ?? tool?.schema else { return false }
        if schema.jsonString.contains("mock_refuse") {
            let body: JSONValue = ["type": "error", "error": ["type": "invalid_request_error", "message": .string(Self.refusedSchemaMessage)]]
            writeWhole(context: context, status: 400, headers: [("request-id", "req_mock_schema")], body: body.serialized())
            return true
        }
        let value = MockSchemaValue(root: schema).value(for: schema)
        let block: JSONValue =
            if let tool, native == nil {
                ["type": "tool_use", "id": "toolu_mock_json", "name": .string(tool.name), "input": value]
            } else {
                ["type": "text", "text": .string(value.jsonString)]
            }
        let stopReason: JSONValue = block["type"] == "tool_use" ? "tool_use" : "end_turn"
        if request["stream"]?.boolValue == true {
            streamStructured(context: context, model: model, block: block, json: value.jsonString, stopReason: stopReason)
            return true
        }
        let message: JSONValue = [
            "id": "msg_mock_json", "type": "message", "role": "assistant", "model": .string(model), "content": [block],
            "stop_reason": stopReason, "stop_sequence": nil, "usage": ["input_tokens": 10, "output_tokens": 20],
        ]
        writeWhole(context: context, status: 200, headers: [("request-id", "req_mock_json")], body: message.serialized())
        return true
    }

    /// The block streamed: its start (empty), the JSON in four deltas, stop, then `stopReason`.
    func streamStructured(context: ChannelHandlerContext, model: String, block: JSONValue, json: String, stopReason: JSONValue) {
        let isTool = block["type"] == "tool_use"
        var start = block.objectValue ?? JSONObject()
        if isTool { start["input"] = [:] } else { start["text"] = "" }
        var events: [[UInt8]] = [Self.messageStart(model: model)]
        func event(_ name: String, _ data: JSONValue) { events.append(Self.event(name, data)) }
        event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": .object(start)])
        let characters = Array(json)
        let size = max(1, (characters.count + 3) / 4)
        var pieces = stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min(characters.count, $0 + size)]) }
        if isTool { pieces.insert("", at: 0) }  // Anthropic opens a tool's input with an empty delta
        for piece in pieces {
            let delta: JSONValue =
                isTool ? ["type": "input_json_delta", "partial_json": .string(piece)] : ["type": "text_delta", "text": .string(piece)]
            event("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": delta])
        }
        event("content_block_stop", ["type": "content_block_stop", "index": 0])
        event(
            "message_delta",
            ["type": "message_delta", "delta": ["stop_reason": stopReason, "stop_sequence": nil], "usage": ["output_tokens": 20]]
        )
        event("message_stop", ["type": "message_stop"])
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        sendEvents(context: context, events: events[...], delay: 0)
    }
}

/// A value matching a JSON Schema: objects (every property; `{"answer": …}` for an object schema
/// with none), arrays (two items), the first enum
/// value or `const`, the first non-null `anyOf`/`oneOf`/type option, `$ref` into `$defs`.
struct MockSchemaValue {
    let root: JSONValue

    func value(for schema: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 12 else { return .null }
        if let reference = schema["$ref"]?.stringValue {
            let name = String(reference.split(separator: "/").last ?? "")
            return value(for: root["$defs"]?[name] ?? root["definitions"]?[name] ?? [:], depth: depth + 1)
        }
        if let constant = schema["const"] { return constant }
        if let first = schema["enum"]?.arrayValue?.first { return first }
        if let options = (schema["anyOf"] ?? schema["oneOf"])?.arrayValue {
            let option = options.first { $0["type"]?.stringValue != "null" } ?? options.first ?? [:]
            return value(for: option, depth: depth + 1)
        }
        if let all = schema["allOf"]?.arrayValue, let first = all.first { return value(for: first, depth: depth + 1) }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first { $0.stringValue != "null" }?.stringValue
        switch type ?? (schema["properties"] != nil ? "object" : "string") {
        case "object":
            guard let properties = schema["properties"]?.objectValue else { return ["answer": "mock text"] }
            return .object(JSONObject(properties.members.map { .init(key: $0.key, value: value(for: $0.value, depth: depth + 1)) }))
        case "array":
            let item = value(for: schema["items"] ?? [:], depth: depth + 1)
            return [item, item]
        case "integer": return 7
        case "number": return .double(1.5)
        case "boolean": return true
        case "null": return .null
        default: return "mock text"
        }
    }
}
