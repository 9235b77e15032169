import MaximizeCore

/// `POST /v1/chat/completions`: chat completions and their `chat.completion.chunk` stream.
typealias ChatCompletionsTranslation = OpenAITranslation<ChatCompletionRequest.Translated>

extension ChatCompletionRequest.Translated: OpenAIRoute {
    func makeStream(created: Int) -> ChatCompletionStream {
        ChatCompletionStream(created: created, includeUsage: includeUsage, structured: structuredOutput)
    }

    func translate(answer message: JSONValue, created: Int) -> [UInt8] {
        ChatCompletionResponse.translate(message, created: created, structured: structuredOutput).serialized()
    }
}

extension ChatCompletionStream: OpenAIStreamTranslator {
    /// The error as one `data:` chunk, then `[DONE]`.
    mutating func fail(_ error: OpenAIError) -> [UInt8] {
        Array("data: ".utf8) + error.body + Array("\n\ndata: [DONE]\n\n".utf8)
    }
}
