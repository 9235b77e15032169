/// Messages turns built from an OpenAI conversation: consecutive content of one role is merged
/// into one turn, as the Messages API wants alternating roles.
struct MessageTurns {
    private var turns: [(role: String, blocks: [JSONValue])] = []

    var isEmpty: Bool { turns.isEmpty }

    /// Adds `blocks` to the last turn when it has `role`, else as a new turn; nothing when empty.
    mutating func append(_ role: String, _ blocks: [JSONValue]) {
        guard !blocks.isEmpty else { return }
        if let last = turns.last, last.role == role {
            turns[turns.count - 1].blocks += blocks
        } else {
            turns.append((role, blocks))
        }
    }

    /// The Messages API's `messages`.
    var messages: [JSONValue] { turns.map { ["role": .string($0.role), "content": .array($0.blocks)] } }
}
