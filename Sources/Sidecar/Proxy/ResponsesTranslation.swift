import MaximizeCore

/// `POST /v1/responses`: a `response` object, or the Responses event stream
/// (``ResponsesStream``), whose failure is an `error` event then `response.failed`.
typealias ResponsesTranslation = OpenAITranslation<ResponsesRequest.Translated>

extension ResponsesRequest.Translated: OpenAIRoute {
    func makeStream(created: Int) -> ResponsesStream {
        ResponsesStream(created: created, echo: echo, structuredOutput: structuredOutput)
    }

    func translate(answer message: JSONValue, created: Int) -> [UInt8] {
        ResponsesResponse.translate(message, echo: echo, created: created, structuredOutput: structuredOutput).serialized()
    }
}

extension ResponsesStream: OpenAIStreamTranslator {
    mutating func fail(_ error: OpenAIError) -> [UInt8] {
        fail(code: error.type, message: error.message)
    }
}
