/// Translates a Messages event stream into the Responses API's event stream, one upstream event
/// at a time: `response.created`, `response.in_progress`, then per content block its
/// `output_item.added`, part and delta events and `…done` events, and `response.completed` (or
/// `response.incomplete`); an error is an `error` event then `response.failed`. Every event
/// carries `sequence_number`. Only the texts of open blocks are kept (the `…done` events repeat
/// them), and the finished items, which `response.completed` repeats.
public struct ResponsesStream: Sendable {
    /// A content block being streamed.
    struct OpenBlock: Sendable {
        enum Kind: Sendable { case text, thinking, redacted, toolUse }
        var kind: Kind
        var outputIndex: Int
        var itemID: String
        var text = ""
        var name = ""
        var callID = ""
        var sealed: String?
    }

    let created: Int
    let echo: JSONObject
    /// A `text.format` answered through a forced tool: that tool's input streams as the text.
    let structuredOutput: StructuredOutput?
    var id = "resp_maximize"
    var model = ""
    var sequence = 0
    var usage: JSONObject = [:]
    var stopReason: String?
    /// The output items so far, in order (each in its final form once its block has ended).
    var items: [JSONValue] = []
    /// Open content blocks by their Messages index.
    var open: [Int: OpenBlock] = [:]
    var started = false
    var finished = false

    public init(created: Int, echo: JSONObject, structuredOutput: StructuredOutput? = nil) {
        self.created = created
        self.echo = echo
        self.structuredOutput = structuredOutput
    }

    /// The Responses SSE bytes for one upstream event (possibly none).
    public mutating func translate(_ event: ServerSentEvent) -> [UInt8] {
        guard !finished, let json = try? JSONParser.parse(event.data) else { return [] }
        switch json["type"]?.stringValue ?? event.event {
        case "message_start":
            id = ResponsesResponse.responseID(json["message"]?["id"]?.stringValue)
            model = json["message"]?["model"]?.stringValue ?? ""
            recordUsage(json["message"]?["usage"])
            return start()
        case "content_block_start":
            guard started, let index = json["index"]?.intValue, let block = json["content_block"] else { return [] }
            return startBlock(index: index, block: block)
        case "content_block_delta":
            guard let index = json["index"]?.intValue, let delta = json["delta"] else { return [] }
            return blockDelta(index: index, delta: delta)
        case "content_block_stop":
            guard let index = json["index"]?.intValue else { return [] }
            return stopBlock(index: index)
        case "message_delta":
            recordUsage(json["usage"])
            if let reason = json["delta"]?["stop_reason"]?.stringValue { stopReason = reason }
            return []
        case "message_stop":
            guard started else { return [] }
            finished = true
            let (status, incomplete) = ResponsesResponse.status(structuredOutput.map { $0.stopReason(stopReason) } ?? stopReason)
            let response = ResponsesResponse.object(
                id: id,
                created: created,
                model: model,
                status: status,
                output: items,
                usage: ResponsesResponse.usage(.object(usage)),
                incomplete: incomplete,
                echo: echo
            )
            return emit(status == "completed" ? "response.completed" : "response.incomplete", ["response": response])
        case "error":
            return fail(
                code: json["error"]?["type"]?.stringValue ?? "api_error",
                message: json["error"]?["message"]?.stringValue ?? "the upstream stream failed"
            )
        default:
            return []
        }
    }

    /// The end of the upstream stream: nothing more when it completed, else a failure.
    public mutating func finish() -> [UInt8] {
        guard !finished else { return [] }
        return fail(code: "api_error", message: "the upstream stream ended before the answer was complete")
    }

    /// Ends the stream with an `error` event and `response.failed` (opened first if need be).
    public mutating func fail(code: String, message: String) -> [UInt8] {
        guard !finished else { return [] }
        var bytes = started ? [] : start()
        finished = true
        bytes += emit("error", ["code": .string(code), "message": .string(message), "param": nil])
        let response = ResponsesResponse.object(
            id: id,
            created: created,
            model: model,
            status: "failed",
            output: items,
            usage: usage.isEmpty ? .null : ResponsesResponse.usage(.object(usage)),
            error: ["code": .string(code == "rate_limit_error" ? "rate_limit_exceeded" : "server_error"), "message": .string(message)],
            echo: echo
        )
        return bytes + emit("response.failed", ["response": response])
    }

    mutating func start() -> [UInt8] {
        guard !started else { return [] }
        started = true
        let response = ResponsesResponse.object(id: id, created: created, model: model, status: "in_progress", output: [], echo: echo)
        return emit("response.created", ["response": response]) + emit("response.in_progress", ["response": response])
    }

    mutating func startBlock(index: Int, block: JSONValue) -> [UInt8] {
        let outputIndex = items.count
        let item: JSONValue
        var opened: OpenBlock
        let answer = structuredOutput?.answerToolName != nil && structuredOutput?.isAnswerBlock(block) == true
        switch answer ? "text" : block["type"]?.stringValue {
        case "text":
            opened = OpenBlock(kind: .text, outputIndex: outputIndex, itemID: ResponsesResponse.messageItemID(response: id, index: index))
            item = ResponsesResponse.messageItem(id: opened.itemID, text: "", status: "in_progress")
        case "thinking":
            opened = OpenBlock(kind: .thinking, outputIndex: outputIndex, itemID: ResponsesResponse.reasoningItemID(response: id, index: index))
            item = ResponsesResponse.reasoningItem(id: opened.itemID, summary: nil, sealed: nil)
        case "redacted_thinking":
            opened = OpenBlock(kind: .redacted, outputIndex: outputIndex, itemID: ResponsesResponse.reasoningItemID(response: id, index: index))
            opened.sealed = ResponsesResponse.redactedPrefix + (block["data"]?.stringValue ?? "")
            item = ResponsesResponse.reasoningItem(id: opened.itemID, summary: nil, sealed: opened.sealed)
        case "tool_use":
            let callID = block["id"]?.stringValue ?? "toolu_\(index)"
            opened = OpenBlock(kind: .toolUse, outputIndex: outputIndex, itemID: ResponsesResponse.functionCallItemID(callID: callID))
            opened.callID = callID
            opened.name = block["name"]?.stringValue ?? ""
            item = ResponsesResponse.functionCallItem(callID: callID, name: opened.name, arguments: "", status: "in_progress")
        default:
            return []  // server tools and other blocks have no Responses form here
        }
        open[index] = opened
        items.append(item)
        var bytes = emit("response.output_item.added", ["output_index": .int(outputIndex), "item": item])
        switch opened.kind {
        case .text: bytes += emit("response.content_part.added", part(opened, ["part": ResponsesResponse.outputText("")]))
        case .thinking: bytes += emit("response.reasoning_summary_part.added", summary(opened, ["part": summaryText("")]))
        case .redacted, .toolUse: break
        }
        return bytes
    }

    mutating func blockDelta(index: Int, delta: JSONValue) -> [UInt8] {
        guard var block = open[index] else { return [] }
        defer { open[index] = block }
        switch (block.kind, delta["type"]?.stringValue) {
        case (.text, "text_delta"), (.text, "input_json_delta"):
            let text = (delta["text"] ?? delta["partial_json"])?.stringValue ?? ""
            block.text += text
            return emit("response.output_text.delta", part(block, ["delta": .string(text), "logprobs": []]))
        case (.thinking, "thinking_delta"):
            let text = delta["thinking"]?.stringValue ?? ""
            block.text += text
            return emit("response.reasoning_summary_text.delta", summary(block, ["delta": .string(text)]))
        case (.thinking, "signature_delta"):
            block.sealed = (block.sealed ?? "") + (delta["signature"]?.stringValue ?? "")
            return []
        case (.toolUse, "input_json_delta"):
            let json = delta["partial_json"]?.stringValue ?? ""
            block.text += json
            return emit("response.function_call_arguments.delta", itemFields(block, ["delta": .string(json)]))
        default:
            return []
        }
    }

    mutating func stopBlock(index: Int) -> [UInt8] {
        guard let block = open.removeValue(forKey: index) else { return [] }
        var bytes: [UInt8] = []
        let item: JSONValue
        switch block.kind {
        case .text:
            item = ResponsesResponse.messageItem(id: block.itemID, text: block.text, status: "completed")
            bytes += emit("response.output_text.done", part(block, ["text": .string(block.text), "logprobs": []]))
            bytes += emit("response.content_part.done", part(block, ["part": ResponsesResponse.outputText(block.text)]))
        case .thinking:
            item = ResponsesResponse.reasoningItem(id: block.itemID, summary: block.text, sealed: block.sealed)
            bytes += emit("response.reasoning_summary_text.done", summary(block, ["text": .string(block.text)]))
            bytes += emit("response.reasoning_summary_part.done", summary(block, ["part": summaryText(block.text)]))
        case .redacted:
            item = ResponsesResponse.reasoningItem(id: block.itemID, summary: nil, sealed: block.sealed)
        case .toolUse:
            // An empty input streams no delta; the Messages API means `{}`.
            let arguments = block.text.isEmpty ? "{}" : block.text
            item = ResponsesResponse.functionCallItem(callID: block.callID, name: block.name, arguments: arguments, status: "completed")
            bytes += emit(
                "response.function_call_arguments.done",
                itemFields(block, ["arguments": .string(arguments), "name": .string(block.name)])
            )
        }
        items[block.outputIndex] = item
        return bytes + emit("response.output_item.done", ["output_index": .int(block.outputIndex), "item": item])
    }

    mutating func recordUsage(_ value: JSONValue?) {
        for member in value?.objectValue?.members ?? [] where member.value.intValue != nil { usage[member.key] = member.value }
    }

    func itemFields(_ block: OpenBlock, _ fields: JSONObject) -> JSONObject {
        JSONObject(
            [.init(key: "item_id", value: .string(block.itemID)), .init(key: "output_index", value: .int(block.outputIndex))] + fields.members
        )
    }

    func part(_ block: OpenBlock, _ fields: JSONObject) -> JSONObject {
        itemFields(block, JSONObject([.init(key: "content_index", value: 0)] + fields.members))
    }

    func summary(_ block: OpenBlock, _ fields: JSONObject) -> JSONObject {
        itemFields(block, JSONObject([.init(key: "summary_index", value: 0)] + fields.members))
    }

    func summaryText(_ text: String) -> JSONValue { ["type": "summary_text", "text": .string(text)] }

    /// One event: `event: TYPE`, and the data with `type` first and `sequence_number` last.
    mutating func emit(_ type: String, _ fields: JSONObject) -> [UInt8] {
        var data = JSONObject([.init(key: "type", value: .string(type))] + fields.members)
        data["sequence_number"] = .int(sequence)
        sequence += 1
        return Array("event: \(type)\ndata: ".utf8) + JSONValue.object(data).serialized() + Array("\n\n".utf8)
    }
}
