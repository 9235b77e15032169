/// Translates a Messages API response into an OpenAI Chat Completions response.
public enum ChatCompletionResponse {
    /// `stop_reason` to `finish_reason`.
    public static func finishReason(_ stopReason: String?) -> JSONValue {
        switch stopReason {
        case .none: .null
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"  // end_turn, stop_sequence, pause_turn
        }
    }

    public static func usage(input: Int, output: Int, cacheRead: Int = 0, cacheCreation: Int = 0) -> JSONValue {
        let prompt = input + cacheRead + cacheCreation
        var object: JSONObject = [
            "prompt_tokens": .int(prompt), "completion_tokens": .int(output), "total_tokens": .int(prompt + output),
        ]
        if cacheRead > 0 { object["prompt_tokens_details"] = ["cached_tokens": .int(cacheRead)] }
        return .object(object)
    }

    /// With `structured` (a `response_format` that went upstream), the answer's JSON text is the
    /// content: the forced tool's input is no tool call, and its `tool_use` ends as `stop`.
    public static func translate(_ message: JSONValue, created: Int, structured: StructuredOutput? = nil) -> JSONValue {
        var text = ""
        var reasoning = ""
        var toolCalls: [JSONValue] = []
        for block in message["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "thinking": reasoning += block["thinking"]?.stringValue ?? ""
            case "tool_use":
                let arguments = (block["input"] ?? .object(JSONObject())).jsonString
                toolCalls.append([
                    "id": block["id"] ?? "", "type": "function",
                    "function": ["name": block["name"] ?? "", "arguments": .string(arguments)],
                ])
            default: break
            }
        }
        var stopReason = message["stop_reason"]?.stringValue
        if let structured {
            text = structured.answerText(fromMessage: message)
            if let tool = structured.answerToolName { toolCalls.removeAll { $0["function"]?["name"]?.stringValue == tool } }
            stopReason = structured.stopReason(stopReason)
        }
        var reply: JSONObject = ["role": "assistant", "content": text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)]
        if !reasoning.isEmpty { reply["reasoning_content"] = .string(reasoning) }
        if !toolCalls.isEmpty { reply["tool_calls"] = .array(toolCalls) }
        let usage = message["usage"]
        return [
            "id": .string("chatcmpl-" + (message["id"]?.stringValue ?? "maximize")),
            "object": "chat.completion",
            "created": .int(created),
            "model": message["model"] ?? "",
            "choices": [
                ["index": 0, "message": .object(reply), "finish_reason": finishReason(stopReason), "logprobs": nil]
            ],
            "usage": Self.usage(
                input: usage?["input_tokens"]?.intValue ?? 0,
                output: usage?["output_tokens"]?.intValue ?? 0,
                cacheRead: usage?["cache_read_input_tokens"]?.intValue ?? 0,
                cacheCreation: usage?["cache_creation_input_tokens"]?.intValue ?? 0
            ),
        ]
    }
}

/// Translates a Messages event stream into OpenAI's `chat.completion.chunk` stream, one event at
/// a time (nothing is buffered beyond the current event).
public struct ChatCompletionStream: Sendable {
    let created: Int
    let includeUsage: Bool
    var id = "chatcmpl-maximize"
    var model = ""
    var input = 0
    var output = 0
    var cacheRead = 0
    var cacheCreation = 0
    /// Content block index to tool call index, so tool call deltas keep stable indexes.
    var toolIndexes: [Int: Int] = [:]
    /// For a `response_format`: picks the answer's JSON out of the events, as content.
    var answer: StructuredOutput.AnswerStream?
    var finished = false

    public init(created: Int, includeUsage: Bool, structured: StructuredOutput? = nil) {
        self.created = created
        self.includeUsage = includeUsage
        answer = structured.map(StructuredOutput.AnswerStream.init)
    }

    /// The OpenAI SSE bytes for one upstream event (possibly none).
    public mutating func translate(_ event: ServerSentEvent) -> [UInt8] {
        guard !finished, let json = try? JSONParser.parse(event.data) else { return [] }
        if answer != nil, let bytes = translateAnswer(json) { return bytes }
        switch json["type"]?.stringValue ?? event.event {
        case "message_start":
            let message = json["message"]
            id = "chatcmpl-" + (message?["id"]?.stringValue ?? "maximize")
            model = message?["model"]?.stringValue ?? ""
            recordUsage(message?["usage"])
            return chunk(delta: ["role": "assistant", "content": ""])
        case "content_block_start":
            guard let index = json["index"]?.intValue, let block = json["content_block"],
                block["type"]?.stringValue == "tool_use"
            else { return [] }
            let toolIndex = toolIndexes.count
            toolIndexes[index] = toolIndex
            return chunk(delta: [
                "tool_calls": [
                    [
                        "index": .int(toolIndex), "id": block["id"] ?? "", "type": "function",
                        "function": ["name": block["name"] ?? "", "arguments": ""],
                    ]
                ]
            ])
        case "content_block_delta":
            let delta = json["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta": return chunk(delta: ["content": delta?["text"] ?? ""])
            case "thinking_delta": return chunk(delta: ["reasoning_content": delta?["thinking"] ?? ""])
            case "input_json_delta":
                guard let index = json["index"]?.intValue, let toolIndex = toolIndexes[index] else { return [] }
                return chunk(delta: [
                    "tool_calls": [["index": .int(toolIndex), "function": ["arguments": delta?["partial_json"] ?? ""]]]
                ])
            default: return []
            }
        case "message_delta":
            recordUsage(json["usage"])
            return chunk(delta: [:], finishReason: ChatCompletionResponse.finishReason(json["delta"]?["stop_reason"]?.stringValue))
        case "message_stop":
            return finish()
        case "error":
            finished = true
            let error = OpenAIError(
                status: 500,
                type: json["error"]?["type"]?.stringValue ?? "api_error",
                message: json["error"]?["message"]?.stringValue ?? "the upstream stream failed"
            )
            return Self.data(error.json) + Self.done
        default:
            return []
        }
    }

    /// Closes the stream: the usage chunk when asked for, then `[DONE]`.
    public mutating func finish() -> [UInt8] {
        guard !finished else { return [] }
        finished = true
        var bytes: [UInt8] = []
        if includeUsage {
            bytes += Self.data([
                "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
                "choices": [],
                "usage": ChatCompletionResponse.usage(input: input, output: output, cacheRead: cacheRead, cacheCreation: cacheCreation),
            ])
        }
        return bytes + Self.done
    }

    /// The bytes for an event of a structured answer, or `nil` when the event is translated as usual.
    mutating func translateAnswer(_ json: JSONValue) -> [UInt8]? {
        guard var current = answer else { return nil }
        defer { answer = current }
        switch json["type"]?.stringValue {
        case "content_block_start", "content_block_delta":
            let text = current.text(in: json)
            guard let index = json["index"]?.intValue, current.isAnswer(index: index) else {
                // On the tool path the forced tool's input is the whole answer: other text is not.
                let isText = json["delta"]?["type"] == "text_delta"
                return current.output.answerToolName != nil && isText ? [] : nil
            }
            return text.map { chunk(delta: ["content": .string($0)]) } ?? []
        case "message_delta":
            recordUsage(json["usage"])
            let stopReason = current.output.stopReason(json["delta"]?["stop_reason"]?.stringValue)
            return chunk(delta: [:], finishReason: ChatCompletionResponse.finishReason(stopReason))
        default:
            return nil
        }
    }

    mutating func recordUsage(_ usage: JSONValue?) {
        guard let usage else { return }
        if let value = usage["input_tokens"]?.intValue { input = value }
        if let value = usage["output_tokens"]?.intValue { output = value }
        if let value = usage["cache_read_input_tokens"]?.intValue { cacheRead = value }
        if let value = usage["cache_creation_input_tokens"]?.intValue { cacheCreation = value }
    }

    func chunk(delta: JSONObject, finishReason: JSONValue = .null) -> [UInt8] {
        var chunk: JSONObject = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
            "choices": [["index": 0, "delta": .object(delta), "finish_reason": finishReason, "logprobs": nil]],
        ]
        if includeUsage { chunk["usage"] = .null }
        return Self.data(.object(chunk))
    }

    static func data(_ value: JSONValue) -> [UInt8] {
        Array("data: ".utf8) + value.serialized() + Array("\n\n".utf8)
    }

    static let done = Array("data: [DONE]\n\n".utf8)
}
