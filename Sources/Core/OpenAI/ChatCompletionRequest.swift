/// Translates an OpenAI Chat Completions request into a Messages API request.
///
/// A pure function of the body: the result then goes through the same shaping as any Messages
/// request (nicknames, identity, betas, thinking constraints).
public enum ChatCompletionRequest {
    /// What the translation produced, and what the response translation needs to know.
    public struct Translated: Sendable {
        public var messages: JSONValue
        public var stream: Bool
        public var includeUsage: Bool
        /// The model the client asked for, as it named it.
        public var requestedModel: String?
        /// `response_format` other than `text`, with the path it took upstream.
        public var structuredOutput: StructuredOutput?
    }

    /// `max_tokens` when the client sets none (the Messages API requires one).
    public static let defaultMaxTokens = 4096

    /// Thinking budgets for `reasoning_effort`; `minimal` and `none` turn thinking off. `xhigh`
    /// (Codex's highest) stays, with the 1,024 tokens of answer added to it, under the 32,000
    /// output tokens of the smallest-output Claude 4 models (Opus 4 and 4.1).
    public static let reasoningBudgets: [String: Int] = ["low": 2048, "medium": 8192, "high": 24_576, "xhigh": 30_720]

    /// Parameters with no Messages equivalent that are dropped without complaint.
    public static let ignoredParameters: Set<String> = [
        "frequency_penalty", "presence_penalty", "logit_bias", "seed", "service_tier", "store", "metadata",
        "prediction", "web_search_options", "verbosity", "prompt_cache_key", "safety_identifier",
    ]

    /// `resolveModel` gives the upstream model id for the client's model (nicknames resolved, the
    /// default for none); with `structuredRule` it decides the path of a `response_format`
    /// (``StructuredOutput``).
    public static func translate(
        _ body: JSONValue,
        structuredRule: StructuredOutput.Rule = .auto,
        resolveModel: (String?) -> String = { $0 ?? "" }
    ) throws(OpenAIError) -> Translated {
        guard let request = body.objectValue else { throw OpenAIError(message: "the request body must be a JSON object") }
        var output = JSONObject()
        let requestedModel = try OpenAIParameters.model(request, into: &output)
        try rejectUnsupported(request)
        var structuredOutput = try StructuredOutput(openAIResponseFormat: request["response_format"])

        let (system, messages) = try translateMessages(request["messages"])
        if !system.isEmpty { output["system"] = .array(system) }
        output["messages"] = .array(messages)

        try OpenAIParameters.sampling(
            request,
            maxTokens: request["max_completion_tokens"] ?? request["max_tokens"],
            param: "max_tokens",
            into: &output
        )
        switch request["stop"] {
        case .none, .some(.null): break
        case .some(.string(let stop)): output["stop_sequences"] = [.string(stop)]
        case .some(.array(let stops)) where stops.allSatisfy({ $0.stringValue != nil }): output["stop_sequences"] = .array(stops)
        default: throw OpenAIError(message: "stop must be a string or a list of strings", param: "stop")
        }

        if let thinking = try thinking(effort: request["reasoning_effort"], param: "reasoning_effort") {
            output["thinking"] = thinking
        }

        let tools = try translateTools(request)
        if !tools.isEmpty { output["tools"] = .array(tools) }
        if let choice = try translateToolChoice(request) { output["tool_choice"] = choice }
        try structuredOutput?.apply(to: &output, model: resolveModel(requestedModel), rule: structuredRule)

        let stream = try OpenAIParameters.stream(request, into: &output)
        let includeUsage = request["stream_options"]?["include_usage"]?.boolValue ?? false
        return Translated(
            messages: .object(output),
            stream: stream,
            includeUsage: includeUsage,
            requestedModel: requestedModel,
            structuredOutput: structuredOutput
        )
    }

    /// The Messages `thinking` for an OpenAI reasoning effort (`reasoning_effort` here,
    /// `reasoning.effort` on `/v1/responses`): `nil` when absent, `none` or `minimal`.
    public static func thinking(effort: JSONValue?, param: String) throws(OpenAIError) -> JSONValue? {
        guard let effort, !effort.isNull else { return nil }
        guard let name = effort.stringValue, name == "minimal" || name == "none" || reasoningBudgets[name] != nil else {
            throw OpenAIError(message: "\(param) must be none, minimal, low, medium, high or xhigh", param: param)
        }
        return reasoningBudgets[name].map { ["type": "enabled", "budget_tokens": .int($0)] }
    }

    /// Parameters that change the answer in ways the Messages API cannot honour are refused,
    /// rather than silently ignored.
    static func rejectUnsupported(_ request: JSONObject) throws(OpenAIError) {
        if let n = request["n"], !n.isNull, n.intValue != 1 {
            throw OpenAIError(message: "n other than 1 is not supported", param: "n")
        }
        if request["logprobs"]?.boolValue == true || (request["top_logprobs"].map { !$0.isNull } ?? false) {
            throw OpenAIError(message: "logprobs are not supported", param: "logprobs")
        }
        if request["audio"].map({ !$0.isNull }) ?? false
            || (request["modalities"]?.arrayValue?.contains { $0.stringValue == "audio" } ?? false)
        {
            throw OpenAIError(message: "audio output is not supported", param: "modalities")
        }
    }
}
