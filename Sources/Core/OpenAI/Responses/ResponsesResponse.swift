/// Translates a Messages API answer into an OpenAI `response` object, and builds the pieces the
/// stream translation (``ResponsesStream``) shares with it.
///
/// Ids: the response is `resp_` + the message id's tail; each content block becomes one output
/// item: text a `message` (`msg_…_N`) with one `output_text` part, `tool_use` a `function_call`
/// (`fc_` + the tool use id's tail, `call_id` the tool use id), thinking a `reasoning` item whose
/// summary is the thinking text and whose `encrypted_content` is its signature. With a
/// `text.format` answered through a forced tool, that tool's input is the `output_text`.
public enum ResponsesResponse {
    /// `encrypted_content` of a reasoning item made from a `redacted_thinking` block.
    public static let redactedPrefix = "redacted:"

    /// The response id for a Messages id (`msg_01X` → `resp_01X`).
    public static func responseID(_ messageID: String?) -> String {
        "resp_" + tail(messageID ?? "maximize")
    }

    static func tail(_ id: String) -> String {
        guard let underscore = id.firstIndex(of: "_") else { return id }
        return String(id[id.index(after: underscore)...])
    }

    static func messageItemID(response: String, index: Int) -> String { "msg_\(tail(response))_\(index)" }
    static func reasoningItemID(response: String, index: Int) -> String { "rs_\(tail(response))_\(index)" }
    static func functionCallItemID(callID: String) -> String { "fc_" + tail(callID) }

    /// `status` and `incomplete_details` for a `stop_reason`.
    static func status(_ stopReason: String?) -> (status: String, incomplete: JSONValue) {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": ("incomplete", ["reason": "max_output_tokens"])
        case "refusal": ("incomplete", ["reason": "content_filter"])
        default: ("completed", .null)
        }
    }

    public static func usage(input: Int, output: Int, cacheRead: Int = 0, cacheCreation: Int = 0) -> JSONValue {
        let prompt = input + cacheRead + cacheCreation
        return [
            "input_tokens": .int(prompt), "input_tokens_details": ["cached_tokens": .int(cacheRead)],
            "output_tokens": .int(output), "output_tokens_details": ["reasoning_tokens": 0],
            "total_tokens": .int(prompt + output),
        ]
    }

    static func usage(_ usage: JSONValue?) -> JSONValue {
        Self.usage(
            input: usage?["input_tokens"]?.intValue ?? 0,
            output: usage?["output_tokens"]?.intValue ?? 0,
            cacheRead: usage?["cache_read_input_tokens"]?.intValue ?? 0,
            cacheCreation: usage?["cache_creation_input_tokens"]?.intValue ?? 0
        )
    }

    /// The `response` object: the request's echoed parameters and the answer's state.
    static func object(
        id: String,
        created: Int,
        model: String,
        status: String,
        output: [JSONValue],
        usage: JSONValue = .null,
        error: JSONValue = .null,
        incomplete: JSONValue = .null,
        echo: JSONObject
    ) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id), "object": "response", "created_at": .int(created), "status": .string(status),
            "background": false, "error": error, "incomplete_details": incomplete,
            "instructions": echo["instructions"] ?? .null, "max_output_tokens": echo["max_output_tokens"] ?? .null,
            "model": .string(model), "output": .array(output),
            "parallel_tool_calls": echo["parallel_tool_calls"] ?? true, "previous_response_id": .null,
            "reasoning": echo["reasoning"] ?? ["effort": nil, "summary": nil], "store": false,
            "temperature": echo["temperature"] ?? 1, "text": echo["text"] ?? ["format": ["type": "text"]],
            "tool_choice": echo["tool_choice"] ?? "auto", "tools": echo["tools"] ?? [], "top_p": echo["top_p"] ?? 1,
            "truncation": echo["truncation"] ?? "disabled", "usage": usage, "metadata": echo["metadata"] ?? [:],
        ]
        if let user = echo["user"] { object["user"] = user }
        return .object(object)
    }

    static func messageItem(id: String, text: String, status: String) -> JSONValue {
        [
            "id": .string(id), "type": "message", "role": "assistant", "status": .string(status),
            "content": .array(status == "in_progress" ? [] : [outputText(text)]),
        ]
    }

    static func outputText(_ text: String) -> JSONValue {
        ["type": "output_text", "text": .string(text), "annotations": [], "logprobs": []]
    }

    static func functionCallItem(callID: String, name: String, arguments: String, status: String) -> JSONValue {
        [
            "id": .string(functionCallItemID(callID: callID)), "type": "function_call", "status": .string(status),
            "arguments": .string(arguments), "call_id": .string(callID), "name": .string(name),
        ]
    }

    static func reasoningItem(id: String, summary: String?, sealed: String?) -> JSONValue {
        var item: JSONObject = ["id": .string(id), "type": "reasoning", "summary": []]
        if let summary { item["summary"] = [["type": "summary_text", "text": .string(summary)]] }
        if let sealed { item["encrypted_content"] = .string(sealed) }
        return .object(item)
    }

    /// The `response` object for a whole Messages answer.
    public static func translate(
        _ message: JSONValue,
        echo: JSONObject,
        created: Int,
        structuredOutput: StructuredOutput? = nil
    ) -> JSONValue {
        let id = responseID(message["id"]?.stringValue)
        var output: [JSONValue] = []
        let answerTool = structuredOutput?.answerToolName
        for (index, block) in (message["content"]?.arrayValue ?? []).enumerated() {
            if answerTool != nil, structuredOutput?.isAnswerBlock(block) == true {
                let text = (block["input"] ?? .object(JSONObject())).jsonString
                output.append(messageItem(id: messageItemID(response: id, index: index), text: text, status: "completed"))
                continue
            }
            switch block["type"]?.stringValue {
            case "text":
                output.append(messageItem(id: messageItemID(response: id, index: index), text: block["text"]?.stringValue ?? "", status: "completed"))
            case "thinking":
                output.append(
                    reasoningItem(
                        id: reasoningItemID(response: id, index: index),
                        summary: block["thinking"]?.stringValue ?? "",
                        sealed: block["signature"]?.stringValue
                    )
                )
            case "redacted_thinking":
                let sealed = redactedPrefix + (block["data"]?.stringValue ?? "")
                output.append(reasoningItem(id: reasoningItemID(response: id, index: index), summary: nil, sealed: sealed))
            case "tool_use":
                output.append(
                    functionCallItem(
                        callID: block["id"]?.stringValue ?? "toolu_\(index)",
                        name: block["name"]?.stringValue ?? "",
                        arguments: (block["input"] ?? .object(JSONObject())).jsonString,
                        status: "completed"
                    )
                )
            default: break
            }
        }
        let stopReason = message["stop_reason"]?.stringValue
        let (status, incomplete) = status(structuredOutput.map { $0.stopReason(stopReason) } ?? stopReason)
        return object(
            id: id,
            created: created,
            model: message["model"]?.stringValue ?? "",
            status: status,
            output: output,
            usage: usage(message["usage"]),
            incomplete: incomplete,
            echo: echo
        )
    }
}
