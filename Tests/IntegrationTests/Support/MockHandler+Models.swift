import Foundation
import MaximizeCore
import NIOCore

/// The Models API as the Anthropic API answers it: `GET /v1/models` paged by `limit` (default
/// 20, 1–1000), `after_id` or `before_id`, with `data`, `first_id`, `last_id` and `has_more`;
/// `GET /v1/models/{id}` with one model, or 404 `not_found_error`.
extension MockHandler {
    /// The mock's catalog, newest first (it does not list `claude-opus-5`, the `xxl` nickname's).
    static let models: [JSONValue] = [
        ["type": "model", "id": "claude-sonnet-5", "display_name": "Claude Sonnet 5", "created_at": "2026-01-01T00:00:00Z"],
        ["type": "model", "id": "claude-sonnet-4-6", "display_name": "Claude Sonnet 4.6", "created_at": "2025-11-20T00:00:00Z"],
        ["type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-01T00:00:00Z"],
    ]

    func answerModels(context: ChannelHandlerContext, request: MockUpstream.Received) {
        let components = URLComponents(string: "http://mock" + request.uri)
        let path = components?.path ?? request.uri
        if path.hasPrefix("/v1/models/") {
            let id = String(path.dropFirst("/v1/models/".count))
            guard let model = Self.models.first(where: { $0["id"]?.stringValue == id }) else {
                writeError(context: context, status: 404, type: "not_found_error", "model: \(id)")
                return
            }
            writeWhole(context: context, status: 200, headers: [("request-id", "req_mock_model")], body: model.serialized())
            return
        }
        var parameters: [String: String] = [:]
        for item in components?.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        guard let limit = Int(parameters["limit"] ?? "20"), (1...1000).contains(limit) else {
            writeError(context: context, status: 400, type: "invalid_request_error", "limit: must be between 1 and 1000")
            return
        }
        let ids = Self.models.compactMap { $0["id"]?.stringValue }
        let range: Range<Int>
        let hasMore: Bool
        switch (parameters["after_id"], parameters["before_id"]) {
        case (.some, .some):
            writeError(context: context, status: 400, type: "invalid_request_error", "after_id and before_id are exclusive")
            return
        case (let after?, nil):
            guard let index = ids.firstIndex(of: after) else {
                writeError(context: context, status: 400, type: "invalid_request_error", "after_id: unknown id \(after)")
                return
            }
            range = (index + 1)..<min(index + 1 + limit, ids.count)
            hasMore = range.upperBound < ids.count
        case (nil, let before?):
            guard let index = ids.firstIndex(of: before) else {
                writeError(context: context, status: 400, type: "invalid_request_error", "before_id: unknown id \(before)")
                return
            }
            range = max(0, index - limit)..<index
            hasMore = range.lowerBound > 0
        case (nil, nil):
            range = 0..<min(limit, ids.count)
            hasMore = range.upperBound < ids.count
        }
        let page = Array(Self.models[range])
        let list: JSONValue = [
            "data": .array(page),
            "has_more": .bool(hasMore),
            "first_id": page.first?["id"] ?? .null,
            "last_id": page.last?["id"] ?? .null,
        ]
        writeWhole(context: context, status: 200, headers: [("request-id", "req_mock_models")], body: list.serialized())
    }

    /// An error in the Anthropic API's shape.
    func writeError(context: ChannelHandlerContext, status: Int, type: String, _ message: String) {
        let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
        writeWhole(context: context, status: status, headers: [("request-id", "req_mock_error")], body: body.serialized())
    }
}
