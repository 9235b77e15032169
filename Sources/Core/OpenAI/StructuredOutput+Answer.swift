/// The Messages answer back to the JSON text the client asked for.
extension StructuredOutput {
    /// The forced tool's name on the tool path, else `nil`.
    public var answerToolName: String? {
        if case .tool(let name) = path { return name }
        return nil
    }

    /// Whether `block` (a content block, or a `content_block_start`'s `content_block`) holds the answer.
    public func isAnswerBlock(_ block: JSONValue) -> Bool {
        switch answerToolName {
        case .some(let name): block["type"]?.stringValue == "tool_use" && block["name"]?.stringValue == name
        case .none: block["type"]?.stringValue == "text"
        }
    }

    /// The JSON text of a whole Messages answer: the forced tool's input serialized, or the text
    /// blocks on the native path.
    public func answerText(fromMessage message: JSONValue) -> String {
        let blocks = (message["content"]?.arrayValue ?? []).filter(isAnswerBlock)
        if answerToolName != nil { return blocks.first.map { ($0["input"] ?? .object(JSONObject())).jsonString } ?? "" }
        return blocks.compactMap { $0["text"]?.stringValue }.joined()
    }

    /// The Messages `stop_reason` as the client should see it: the forced tool's `tool_use` is
    /// the answer ending normally (`end_turn`).
    public func stopReason(_ stopReason: String?) -> String? {
        answerToolName != nil && stopReason == "tool_use" ? "end_turn" : stopReason
    }

    /// Picks the answer's JSON text out of a Messages event stream, one event at a time.
    public struct AnswerStream: Sendable {
        public let output: StructuredOutput
        /// Content block indexes that hold the answer.
        var answerBlocks: Set<Int> = []

        public init(_ output: StructuredOutput) {
            self.output = output
        }

        /// The piece of JSON text `event` (a parsed Messages event) carries, if any:
        /// `input_json_delta` pieces of the forced tool, or `text_delta` pieces on the native path.
        public mutating func text(in event: JSONValue) -> String? {
            guard let index = event["index"]?.intValue else { return nil }
            switch event["type"]?.stringValue {
            case "content_block_start":
                guard let block = event["content_block"], output.isAnswerBlock(block) else { return nil }
                answerBlocks.insert(index)
                let text = block["text"]?.stringValue ?? ""
                return text.isEmpty ? nil : text
            case "content_block_delta":
                guard answerBlocks.contains(index), let delta = event["delta"] else { return nil }
                let piece = delta["type"]?.stringValue == "input_json_delta" ? delta["partial_json"] : delta["text"]
                guard let text = piece?.stringValue, !text.isEmpty else { return nil }
                return text
            default:
                return nil
            }
        }

        /// Whether the content block at `index` holds the answer (seen at its `content_block_start`).
        public func isAnswer(index: Int) -> Bool { answerBlocks.contains(index) }
    }
}
