import MaximizeCore

/// Answers the `/v1/responses` tests ask for through `metadata.user_id` (an OpenAI client cannot
/// send the mock's own options).
extension MockHandler {
    /// `mock-stream-error`: a stream that starts a text block, then fails with an `error` event.
    static func streamThatFails(model: String) -> String {
        let events =
            messageStart(model: model)
            + event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]])
            + event(
                "content_block_delta",
                ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": "Partial "]]
            )
            + event("error", ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded mid-stream"]])
        return String(decoding: events, as: UTF8.self)
    }
}
