extension ResponsesRequest {
    /// `input` (a string, or a list of items) to a Messages `system` and alternating turns.
    ///
    /// Items: messages (`role` with text, `input_text`, `output_text`, `refusal` and `input_image`
    /// parts), `function_call` (a `tool_use` whose id is the `call_id`), `function_call_output`
    /// (a `tool_result`), `reasoning` items this proxy produced (their `encrypted_content` holds
    /// the thinking block's signature, so thinking survives a tool round trip; others are dropped).
    static func translateInput(_ value: JSONValue?) throws(OpenAIError) -> (system: [JSONValue], messages: [JSONValue]) {
        switch value {
        case .some(.string(let text)) where !text.isEmpty:
            return ([], [["role": "user", "content": [["type": "text", "text": .string(text)]]]])
        case .some(.array(let items)) where !items.isEmpty:
            return try translateItems(items)
        default:
            throw OpenAIError(message: "input must be a non-empty string or a non-empty list of items", param: "input")
        }
    }

    static func translateItems(_ items: [JSONValue]) throws(OpenAIError) -> (system: [JSONValue], messages: [JSONValue]) {
        var system: [JSONValue] = []
        var turns = MessageTurns()

        for (index, item) in items.enumerated() {
            let param = "input[\(index)]"
            guard let object = item.objectValue else { throw OpenAIError(message: "\(param) must be an object", param: param) }
            let type = object["type"]?.stringValue ?? (object["role"] != nil ? "message" : "?")
            switch type {
            case "message":
                let role = object["role"]?.stringValue ?? "?"
                switch role {
                case "system", "developer":
                    system += try content(object["content"], param: param, role: role)
                case "user", "assistant":
                    turns.append(role, try content(object["content"], param: param, role: role))
                default:
                    throw OpenAIError(message: "\(param) has an unknown role \(role)", param: param)
                }
            case "function_call":
                guard let id = object["call_id"]?.stringValue, let name = object["name"]?.stringValue else {
                    throw OpenAIError(message: "\(param) (a function_call) needs a call_id and a name", param: param)
                }
                let input = try ChatCompletionRequest.arguments(object["arguments"], param: param)
                turns.append("assistant", [["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]])
            case "function_call_output":
                guard let id = object["call_id"]?.stringValue else {
                    throw OpenAIError(message: "\(param) (a function_call_output) needs a call_id", param: param)
                }
                turns.append(
                    "user",
                    [["type": "tool_result", "tool_use_id": .string(id), "content": try toolOutput(object["output"], param: param)]]
                )
            case "reasoning":
                if let block = thinkingBlock(object) { turns.append("assistant", [block]) }
            case "item_reference":
                throw OpenAIError(
                    message: "\(param): item_reference needs stored items; this proxy stores nothing, send the item itself",
                    param: param
                )
            default:
                throw OpenAIError(
                    message: "\(param) is of type \(type): input items may be messages, function_call, function_call_output or reasoning",
                    param: param
                )
            }
        }
        guard !turns.isEmpty else {
            throw OpenAIError(message: "input must hold at least one user or assistant message", param: "input")
        }
        return (system, turns.messages)
    }

    /// A message's content: a string or a list of parts, as Messages blocks (system text blocks
    /// for `system`/`developer`).
    static func content(_ value: JSONValue?, param: String, role: String) throws(OpenAIError) -> [JSONValue] {
        switch value {
        case .some(.string(let text)):
            return text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        case .some(.array(let parts)):
            var blocks: [JSONValue] = []
            for part in parts {
                let type = part["type"]?.stringValue ?? "?"
                switch type {
                case "input_text", "output_text", "text", "refusal":
                    let text = (part["text"] ?? part["refusal"])?.stringValue ?? ""
                    if !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
                case "input_image" where role == "user":
                    guard let url = part["image_url"]?.stringValue else {
                        throw OpenAIError(message: "\(param): input_image needs an image_url (file_id is not supported)", param: param)
                    }
                    blocks.append(try ChatCompletionRequest.image(url, param: param))
                default:
                    throw OpenAIError(
                        message:
                            "\(param): content parts of type \(type) are not supported here (input_text, output_text and, from the user, input_image are)",
                        param: param
                    )
                }
            }
            return blocks
        default:
            throw OpenAIError(message: "\(param).content must be a string or a list of parts", param: param)
        }
    }

    /// A `function_call_output`'s `output`: a string, or text parts joined.
    static func toolOutput(_ value: JSONValue?, param: String) throws(OpenAIError) -> JSONValue {
        switch value {
        case .some(.string(let text)): return .string(text)
        case .some(.array(let parts)):
            let texts = try parts.map { (part: JSONValue) throws(OpenAIError) -> String in
                guard let text = part["text"]?.stringValue, part["type"]?.stringValue == "input_text" else {
                    throw OpenAIError(message: "\(param).output may hold only input_text parts", param: param)
                }
                return text
            }
            return .string(texts.joined(separator: "\n"))
        default:
            throw OpenAIError(message: "\(param).output must be a string", param: param)
        }
    }

    /// The thinking block a `reasoning` item carries back (see ``ResponsesResponse``): `nil` for
    /// reasoning items from elsewhere, which the Messages API could not verify.
    static func thinkingBlock(_ item: JSONObject) -> JSONValue? {
        guard let sealed = item["encrypted_content"]?.stringValue, !sealed.isEmpty else { return nil }
        if sealed.hasPrefix(ResponsesResponse.redactedPrefix) {
            return ["type": "redacted_thinking", "data": .string(String(sealed.dropFirst(ResponsesResponse.redactedPrefix.count)))]
        }
        let text = (item["summary"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
        return ["type": "thinking", "thinking": .string(text), "signature": .string(sealed)]
    }
}
