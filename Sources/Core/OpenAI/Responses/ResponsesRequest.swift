/// Translates a stateless OpenAI Responses request (`POST /v1/responses`) into a Messages request.
///
/// A pure function of the body, like ``ChatCompletionRequest``: the result then goes through the
/// same shaping as any Messages request. Nothing is stored, so what needs a stored response
/// (`previous_response_id`, `conversation`, `store: true`, `background`, stored prompts) and the
/// tools OpenAI runs itself are refused with a 400 that names them.
public enum ResponsesRequest {
    /// What the translation produced, and what the response translation needs to know.
    public struct Translated: Sendable {
        public var messages: JSONValue
        public var stream: Bool
        /// The model the client asked for, as it named it.
        public var requestedModel: String?
        /// The request's parameters the `response` object repeats (`instructions`, `tools`,
        /// `tool_choice`, `temperature`, …), as the client sent them.
        public var echo: JSONObject
        /// `text.format` other than `text`, with the path it took upstream.
        public var structuredOutput: StructuredOutput?
    }

    /// Parameters with no Messages equivalent that are dropped without complaint.
    public static let ignoredParameters: Set<String> = [
        "include", "metadata", "service_tier", "truncation", "prompt_cache_key", "prompt_cache_retention",
        "safety_identifier", "stream_options", "store",
    ]

    /// Parameters that need state or services the proxy does not have, with what to do instead.
    static let statefulParameters: [(name: String, advice: String)] = [
        ("previous_response_id", "nothing is stored; send the whole conversation in input"),
        ("conversation", "nothing is stored; send the whole conversation in input"),
        ("prompt", "stored prompts are not available; send instructions and input"),
        ("background", "background responses are not available; use stream: true for long answers"),
    ]

    /// The parameters echoed in the `response` object, when the client set them.
    static let echoedParameters = [
        "instructions", "max_output_tokens", "metadata", "parallel_tool_calls", "reasoning", "temperature", "text",
        "tool_choice", "tools", "top_p", "truncation", "user",
    ]

    /// `resolveModel` gives the upstream model id for the client's model (nicknames resolved, the
    /// default for none); with `structuredRule` it decides the path of a `text.format`
    /// (``StructuredOutput``).
    public static func translate(
        _ body: JSONValue,
        structuredRule: StructuredOutput.Rule = .auto,
        resolveModel: (String?) -> String = { $0 ?? "" }
    ) throws(OpenAIError) -> Translated {
        guard let request = body.objectValue else { throw OpenAIError(message: "the request body must be a JSON object") }
        try rejectStateful(request)
        var output = JSONObject()
        let requestedModel = try OpenAIParameters.model(request, into: &output)

        var system: [JSONValue] = []
        switch request["instructions"] {
        case .none, .some(.null): break
        case .some(.string(let text)): if !text.isEmpty { system.append(["type": "text", "text": .string(text)]) }
        case .some: throw OpenAIError(message: "instructions must be a string", param: "instructions")
        }
        let (inputSystem, messages) = try translateInput(request["input"])
        system += inputSystem
        if !system.isEmpty { output["system"] = .array(system) }
        output["messages"] = .array(messages)

        try OpenAIParameters.sampling(request, maxTokens: request["max_output_tokens"], param: "max_output_tokens", into: &output)
        if let thinking = try ChatCompletionRequest.thinking(effort: request["reasoning"]?["effort"], param: "reasoning.effort") {
            output["thinking"] = thinking
        }
        var structuredOutput = try StructuredOutput(responsesTextFormat: request["text"]?["format"])
        if let top = request["top_logprobs"], !top.isNull, top.intValue != 0 {
            throw OpenAIError(message: "top_logprobs is not supported", param: "top_logprobs")
        }
        if let calls = request["max_tool_calls"], !calls.isNull {
            throw OpenAIError(message: "max_tool_calls is not supported; count the calls in your loop", param: "max_tool_calls")
        }

        let tools = try translateTools(request["tools"])
        if !tools.isEmpty { output["tools"] = .array(tools) }
        if let choice = try translateToolChoice(request) { output["tool_choice"] = choice }
        try structuredOutput?.apply(to: &output, model: resolveModel(requestedModel), rule: structuredRule)

        let stream = try OpenAIParameters.stream(request, into: &output)

        var echo = JSONObject()
        for name in echoedParameters { if let value = request[name], !value.isNull { echo[name] = value } }
        return Translated(
            messages: .object(output),
            stream: stream,
            requestedModel: requestedModel,
            echo: echo,
            structuredOutput: structuredOutput
        )
    }

    /// Refuses what needs a stored response: the proxy keeps nothing between requests.
    static func rejectStateful(_ request: JSONObject) throws(OpenAIError) {
        for (name, advice) in statefulParameters {
            guard let value = request[name], !value.isNull, value != false else { continue }
            throw OpenAIError(message: "\(name) is not supported by this stateless proxy: \(advice)", param: name)
        }
        if request["store"]?.boolValue == true {
            throw OpenAIError(
                message: "store: true is not supported by this stateless proxy (nothing is stored); send store: false or leave it out",
                param: "store"
            )
        }
    }

    /// Function tools (`{type: "function", name, description, parameters}`) to Messages tools;
    /// any tool OpenAI would run itself is refused by name.
    static func translateTools(_ value: JSONValue?) throws(OpenAIError) -> [JSONValue] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw OpenAIError(message: "tools must be a list", param: "tools") }
        var tools: [JSONValue] = []
        for (index, tool) in list.enumerated() {
            let type = tool["type"]?.stringValue ?? "?"
            guard type == "function" else {
                throw OpenAIError(
                    message: "tools[\(index)] is of type \(type): only function tools are supported (built-in tools are not)",
                    param: "tools"
                )
            }
            guard let name = tool["name"]?.stringValue else {
                throw OpenAIError(message: "tools[\(index)] needs a name", param: "tools")
            }
            var translated = JSONObject([.init(key: "name", value: .string(name))])
            if let description = tool["description"]?.stringValue { translated["description"] = .string(description) }
            let parameters = tool["parameters"].flatMap { $0.isNull ? nil : $0 }
            translated["input_schema"] = parameters ?? ["type": "object", "properties": [:]]
            tools.append(.object(translated))
        }
        return tools
    }

    /// `tool_choice` (`auto`, `none`, `required`, `{type: "function", name}`) and
    /// `parallel_tool_calls` to the Messages `tool_choice`.
    static func translateToolChoice(_ request: JSONObject) throws(OpenAIError) -> JSONValue? {
        if let choice = request["tool_choice"]?.objectValue, let type = choice["type"]?.stringValue, type != "function" {
            throw OpenAIError(message: "tool_choice of type \(type) is not supported (auto, none, required or a function are)", param: "tool_choice")
        }
        var chat = JSONObject()
        chat["tool_choice"] = request["tool_choice"]
        chat["parallel_tool_calls"] = request["parallel_tool_calls"]
        return try ChatCompletionRequest.translateToolChoice(chat)
    }
}
