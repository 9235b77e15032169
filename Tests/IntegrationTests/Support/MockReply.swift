import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What the mock answers, from what the request holds: a tool call when tools are offered and no
/// result came back yet, a description of an image, a tool result echoed, thinking when enabled.
struct MockReply {
    var text: String?
    var toolUse: (name: String, input: JSONValue)?
    var thinking: String?

    init(request: JSONValue) {
        let messages = request["messages"]?.arrayValue ?? []
        let lastContent = messages.last?["content"]?.arrayValue ?? []
        if request["thinking"]?["type"]?.stringValue == "enabled" { thinking = "Let me think." }
        if let result = lastContent.first(where: { $0["type"]?.stringValue == "tool_result" }) {
            text = "Tool said: \(result["content"]?.stringValue ?? "")"
        } else if let image = lastContent.first(where: { $0["type"]?.stringValue == "image" }) {
            let source = image["source"]
            text = "I see an image: \(source?["type"]?.stringValue ?? "") \(source?["media_type"]?.stringValue ?? source?["url"]?.stringValue ?? "")"
        } else if let tool = request["tools"]?.arrayValue?.first?["name"]?.stringValue {
            toolUse = (tool, ["city": "Paris"])
        }
    }
}
