/// The model list the daemon serves: the upstream's `/v1/models`, plus the nicknames.
public enum ModelCatalog {
    /// The upstream request for the whole model list (the nickname check's).
    public static func upstreamRequest(settings: Settings, credential: Credential) -> UpstreamRequest {
        ModelQuery.list(query: "").upstreamRequest(settings: settings, credential: credential)
    }

    /// The ids in an upstream model list body.
    public static func modelIDs(in body: [UInt8]) -> [String]? {
        guard let list = (try? JSONParser.parse(body))?["data"]?.arrayValue else { return nil }
        return list.compactMap { $0["id"]?.stringValue }
    }

    /// Nicknames whose model the upstream does not list.
    public static func unknownNicknames(settings: Settings, upstreamIDs: [String]) -> [(nickname: String, model: String)] {
        let known = Set(upstreamIDs)
        return settings.models.nicknames.sorted { $0.key < $1.key }
            .filter { !known.contains($0.value) }
            .map { ($0.key, $0.value) }
    }

    /// The upstream's list with each entry also in OpenAI's shape, followed by one entry per
    /// nickname; `object: "list"` makes the whole usable by OpenAI clients too.
    public static func merged(upstreamBody: [UInt8], settings: Settings) -> JSONValue {
        var root = (try? JSONParser.parse(upstreamBody))?.objectValue ?? JSONObject()
        var data: [JSONValue] = []
        var created: [String: JSONValue] = [:]
        for entry in root["data"]?.arrayValue ?? [] {
            guard let model = entry.objectValue, let id = model["id"]?.stringValue else { continue }
            let open = withOpenAIFields(model)
            created[id] = open["created"]
            data.append(.object(open))
        }
        for (nickname, model) in sortedNicknames(settings) {
            data.append([
                "type": "model",
                "id": .string(nickname),
                "display_name": .string("\(nickname) → \(model)"),
                "created_at": "1970-01-01T00:00:00Z",
                "object": "model",
                "created": created[model] ?? 0,
                "owned_by": "maximize",
                "nickname_for": .string(model),
            ])
        }
        root["data"] = .array(data)
        root["object"] = "list"
        root["has_more"] = false
        root["first_id"] = data.first?["id"] ?? .null
        root["last_id"] = data.last?["id"] ?? .null
        return .object(root)
    }

    /// One page of the upstream's list (a client that named `limit`, `after_id` or
    /// `before_id`): as the upstream sent it, cursors and `has_more` included, with each entry
    /// also in OpenAI's shape and `object: "list"`; no nicknames (they would break the cursors).
    /// `nil` when the body is not a list.
    public static func page(upstreamBody: [UInt8]) -> JSONValue? {
        guard var root = (try? JSONParser.parse(upstreamBody))?.objectValue, let entries = root["data"]?.arrayValue else {
            return nil
        }
        root["data"] = .array(entries.map { $0.objectValue.map { .object(withOpenAIFields($0)) } ?? $0 })
        root["object"] = "list"
        return .object(root)
    }

    /// One model as the upstream sent it, also in OpenAI's shape (`object`, `created`,
    /// `owned_by`), as the list's entries are; `nil` when the body is not an object.
    public static func model(upstreamBody: [UInt8]) -> JSONValue? {
        (try? JSONParser.parse(upstreamBody))?.objectValue.map { .object(withOpenAIFields($0)) }
    }

    /// `model` with OpenAI's fields added where missing: `object: "model"`, `created` (Unix
    /// seconds of `created_at`, else 0) and `owned_by: "anthropic"`.
    static func withOpenAIFields(_ model: JSONObject) -> JSONObject {
        var model = model
        let timestamp = model["created_at"]?.stringValue.flatMap(Timestamp.unixTime(iso8601:)).map { Int($0) } ?? 0
        if model["object"] == nil { model["object"] = "model" }
        if model["created"] == nil { model["created"] = .int(timestamp) }
        if model["owned_by"] == nil { model["owned_by"] = "anthropic" }
        return model
    }

    /// Nicknames in the built-in order (`xs` … `xxl`), then the others alphabetically.
    public static func sortedNicknames(_ settings: Settings) -> [(String, String)] {
        let builtIn = Defaults.nicknameOrder.compactMap { name in settings.models.nicknames[name].map { (name, $0) } }
        let others = settings.models.nicknames.filter { !Defaults.nicknameOrder.contains($0.key) }
            .sorted { $0.key < $1.key }
            .map { ($0.key, $0.value) }
        return builtIn + others
    }
}
