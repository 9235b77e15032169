extension ChatCompletionRequest {
    /// OpenAI messages to a Messages `system` and alternating `user`/`assistant` turns.
    static func translateMessages(_ value: JSONValue?) throws(OpenAIError) -> (system: [JSONValue], messages: [JSONValue]) {
        guard let list = value?.arrayValue, !list.isEmpty else {
            throw OpenAIError(message: "messages must be a non-empty list", param: "messages")
        }
        var system: [JSONValue] = []
        var turns = MessageTurns()
        var functionCallIDs: [String: String] = [:]

        for (index, message) in list.enumerated() {
            let param = "messages[\(index)]"
            guard let object = message.objectValue, let role = object["role"]?.stringValue else {
                throw OpenAIError(message: "\(param) must be an object with a role", param: param)
            }
            switch role {
            case "system", "developer":
                for text in try texts(object["content"], param: param) {
                    system.append(["type": "text", "text": .string(text)])
                }
            case "user":
                turns.append("user", try userContent(object["content"], param: param))
            case "assistant":
                var blocks: [JSONValue] = try texts(object["content"], param: param, allowNull: true).map {
                    ["type": "text", "text": .string($0)]
                }
                for (callIndex, call) in (object["tool_calls"]?.arrayValue ?? []).enumerated() {
                    guard let id = call["id"]?.stringValue, let name = call["function"]?["name"]?.stringValue else {
                        throw OpenAIError(message: "\(param).tool_calls[\(callIndex)] needs an id and a function name", param: param)
                    }
                    blocks.append([
                        "type": "tool_use", "id": .string(id), "name": .string(name),
                        "input": try arguments(call["function"]?["arguments"], param: param),
                    ])
                }
                if let call = object["function_call"]?.objectValue, let name = call["name"]?.stringValue {
                    let id = "call_fn_\(index)_\(name)"
                    functionCallIDs[name] = id
                    blocks.append([
                        "type": "tool_use", "id": .string(id), "name": .string(name), "input": try arguments(call["arguments"], param: param),
                    ])
                }
                turns.append("assistant", blocks)
            case "tool", "function":
                let id: String
                if role == "tool" {
                    guard let callID = object["tool_call_id"]?.stringValue else {
                        throw OpenAIError(message: "\(param) (a tool result) needs tool_call_id", param: param)
                    }
                    id = callID
                } else {
                    guard let name = object["name"]?.stringValue, let callID = functionCallIDs[name] else {
                        throw OpenAIError(message: "\(param) (a function result) names no earlier function_call", param: param)
                    }
                    id = callID
                }
                let content = try texts(object["content"], param: param, allowNull: true).joined(separator: "\n")
                turns.append("user", [["type": "tool_result", "tool_use_id": .string(id), "content": .string(content)]])
            default:
                throw OpenAIError(message: "\(param) has an unknown role \(role)", param: param)
            }
        }
        guard !turns.isEmpty else {
            throw OpenAIError(message: "messages must hold at least one user or assistant message", param: "messages")
        }
        return (system, turns.messages)
    }

    /// The text of a string or a list of text parts.
    static func texts(_ content: JSONValue?, param: String, allowNull: Bool = false) throws(OpenAIError) -> [String] {
        switch content {
        case .none, .some(.null):
            if allowNull { return [] }
            throw OpenAIError(message: "\(param).content is missing", param: param)
        case .some(.string(let text)):
            return text.isEmpty ? [] : [text]
        case .some(.array(let parts)):
            var result: [String] = []
            for part in parts {
                guard let type = part["type"]?.stringValue, type == "text" || type == "refusal" else {
                    throw OpenAIError(message: "\(param).content may only hold text parts here", param: param)
                }
                if let text = (part["text"] ?? part["refusal"])?.stringValue, !text.isEmpty { result.append(text) }
            }
            return result
        case .some(let other):
            throw OpenAIError(message: "\(param).content must be a string or a list of parts, got \(other.typeName)", param: param)
        }
    }

    /// User content: text and images (data URLs and http(s) URLs).
    static func userContent(_ content: JSONValue?, param: String) throws(OpenAIError) -> [JSONValue] {
        guard case .array(let parts) = content else {
            return try texts(content, param: param).map { ["type": "text", "text": .string($0)] }
        }
        var blocks: [JSONValue] = []
        for part in parts {
            switch part["type"]?.stringValue {
            case "text":
                if let text = part["text"]?.stringValue, !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
            case "image_url":
                guard let url = (part["image_url"]?["url"] ?? part["image_url"])?.stringValue else {
                    throw OpenAIError(message: "\(param): image_url needs a url", param: param)
                }
                blocks.append(try image(url, param: param))
            default:
                throw OpenAIError(
                    message: "\(param): content parts of type \(part["type"]?.stringValue ?? "?") are not supported (text and image_url are)",
                    param: param
                )
            }
        }
        return blocks
    }

    static func image(_ url: String, param: String) throws(OpenAIError) -> JSONValue {
        if url.hasPrefix("data:") {
            // data:<media type>;base64,<data>
            guard let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64") else {
                throw OpenAIError(message: "\(param): image data URLs must be base64 (data:image/png;base64,...)", param: param)
            }
            let mediaType = String(url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(7))
            return [
                "type": "image",
                "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(String(url[url.index(after: comma)...]))],
            ]
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw OpenAIError(message: "\(param): image URLs must be http(s) or data URLs", param: param)
        }
        return ["type": "image", "source": ["type": "url", "url": .string(url)]]
    }

    /// A function call's `arguments` (a JSON string) as the tool input object.
    static func arguments(_ value: JSONValue?, param: String) throws(OpenAIError) -> JSONValue {
        guard let text = value?.stringValue, !text.isEmpty else { return .object(JSONObject()) }
        guard let parsed = try? JSONParser.parse(text), parsed.objectValue != nil else {
            throw OpenAIError(message: "\(param): function arguments must be a JSON object", param: param)
        }
        return parsed
    }

    /// `tools` (and the older `functions`) to Messages tools.
    static func translateTools(_ request: JSONObject) throws(OpenAIError) -> [JSONValue] {
        var functions: [JSONValue] = []
        for tool in request["tools"]?.arrayValue ?? [] {
            guard tool["type"]?.stringValue == "function", let function = tool["function"] else {
                throw OpenAIError(message: "only function tools are supported", param: "tools")
            }
            functions.append(function)
        }
        functions += request["functions"]?.arrayValue ?? []
        var tools: [JSONValue] = []
        for function in functions {
            guard let name = function["name"]?.stringValue else {
                throw OpenAIError(message: "every function needs a name", param: "tools")
            }
            var tool = JSONObject([.init(key: "name", value: .string(name))])
            if let description = function["description"]?.stringValue { tool["description"] = .string(description) }
            tool["input_schema"] = function["parameters"] ?? ["type": "object", "properties": [:]]
            tools.append(.object(tool))
        }
        return tools
    }

    /// `tool_choice` (and `function_call`, `parallel_tool_calls`) to the Messages `tool_choice`.
    static func translateToolChoice(_ request: JSONObject) throws(OpenAIError) -> JSONValue? {
        var choice: JSONObject?
        switch request["tool_choice"] ?? request["function_call"] {
        case .none, .some(.null): break
        case .some(.string("auto")): choice = ["type": "auto"]
        case .some(.string("none")): choice = ["type": "none"]
        case .some(.string("required")): choice = ["type": "any"]
        case .some(.object(let object)):
            guard let name = (object["function"]?["name"] ?? object["name"])?.stringValue else {
                throw OpenAIError(message: "tool_choice must name a function", param: "tool_choice")
            }
            choice = ["type": "tool", "name": .string(name)]
        default:
            throw OpenAIError(message: "tool_choice must be auto, none, required or a named function", param: "tool_choice")
        }
        if request["parallel_tool_calls"]?.boolValue == false {
            var object = choice ?? ["type": "auto"]
            if object["type"]?.stringValue != "none" { object["disable_parallel_tool_use"] = true }
            choice = object
        }
        return choice.map { .object($0) }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }
}
