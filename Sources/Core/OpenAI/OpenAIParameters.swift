/// The request parameters both OpenAI routes (`/v1/chat/completions`, `/v1/responses`) share,
/// translated one way for both.
enum OpenAIParameters {
    /// `model` as the client named it (also copied to `output`); `nil` when it named none.
    static func model(_ request: JSONObject, into output: inout JSONObject) throws(OpenAIError) -> String? {
        switch request["model"] {
        case .none, .some(.null): return nil
        case .some(.string(let model)):
            output["model"] = .string(model)
            return model
        case .some(let other): throw OpenAIError(message: "model must be a string, got \(other.typeName)", param: "model")
        }
    }

    /// The output limit (named `param` on the route) as `max_tokens`, ``ChatCompletionRequest/defaultMaxTokens``
    /// when unset; `temperature` (0–2, capped at 1), `top_p` and `user` (`metadata.user_id`).
    static func sampling(
        _ request: JSONObject,
        maxTokens: JSONValue?,
        param: String,
        into output: inout JSONObject
    ) throws(OpenAIError) {
        if let maxTokens, !maxTokens.isNull {
            guard let value = maxTokens.intValue, value > 0 else {
                throw OpenAIError(message: "\(param) must be a positive integer", param: param)
            }
            output["max_tokens"] = .int(value)
        } else {
            output["max_tokens"] = .int(ChatCompletionRequest.defaultMaxTokens)
        }
        if let temperature = request["temperature"], !temperature.isNull {
            guard let value = temperature.doubleValue, (0...2).contains(value) else {
                throw OpenAIError(message: "temperature must be a number from 0 to 2", param: "temperature")
            }
            output["temperature"] = .double(min(value, 1))
        }
        if let topP = request["top_p"], !topP.isNull {
            guard let value = topP.doubleValue, (0...1).contains(value) else {
                throw OpenAIError(message: "top_p must be a number from 0 to 1", param: "top_p")
            }
            output["top_p"] = topP
        }
        if let user = request["user"]?.stringValue { output["metadata"] = ["user_id": .string(user)] }
    }

    /// `stream` (a boolean, `false` when absent), copied to `output` when set.
    static func stream(_ request: JSONObject, into output: inout JSONObject) throws(OpenAIError) -> Bool {
        guard let value = request["stream"], !value.isNull else { return false }
        guard let flag = value.boolValue else { throw OpenAIError(message: "stream must be a boolean", param: "stream") }
        if flag { output["stream"] = true }
        return flag
    }
}
