/// Rewrites a Messages API request for the upstream, changing only what it must.
///
/// Every field the client sent is forwarded; fields the proxy does not change are copied as the
/// client's own bytes. Changed: the model nickname (a missing model gets `models.default`), the
/// identity system block (OAuth credentials), thinking constraints and invalid sampling values.
public struct RequestShaper: Sendable {
    public var settings: Settings

    public init(settings: Settings) {
        self.settings = settings
    }

    /// Fields read and possibly rewritten; everything else is copied through untouched.
    static let fieldsRead: Set<String> = [
        "model", "system", "thinking", "temperature", "top_p", "top_k", "max_tokens", "stream",
    ]

    public func shape(
        _ body: UnsafeRawBufferPointer,
        endpoint: MessagesEndpoint,
        credential: CredentialKind
    ) throws(ShapingError) -> ShapedRequest {
        let members: [JSONParser.RawMember]
        do {
            members = try JSONParser.topLevelMembers(body)
        } catch {
            throw ShapingError("the request body is not valid JSON: \(error.description)")
        }
        var fields = JSONObject()
        for member in members where Self.fieldsRead.contains(member.key) {
            let value: JSONValue
            do {
                value = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: body[member.valueRange]))
            } catch {
                throw ShapingError("the request body is not valid JSON: \(error.description)")
            }
            fields[member.key] = value
        }
        var edits = try edits(for: fields, endpoint: endpoint, credential: credential)
        let requested = fields["model"]?.stringValue
        let model = edits.model

        var output: [UInt8] = []
        output.reserveCapacity(body.count + 256)
        output.append(UInt8(ascii: "{"))
        var first = true
        func separator() {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
        }
        for member in members {
            if let replacement = edits.replacements[member.key] {
                guard let replacement else { continue }
                separator()
                JSONValue.writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                replacement.write(into: &output)
                edits.appended.removeAll { $0.key == member.key }
            } else {
                separator()
                JSONValue.writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[member.valueRange]))
            }
        }
        for member in edits.appended {
            separator()
            JSONValue.writeString(member.key, into: &output)
            output.append(UInt8(ascii: ":"))
            member.value.write(into: &output)
        }
        output.append(UInt8(ascii: "}"))
        return ShapedRequest(
            body: output,
            requestedModel: requested,
            model: model,
            stream: fields["stream"]?.boolValue ?? false,
            changes: edits.changes
        )
    }

    struct Edits {
        var model = ""
        /// New values by key; a `nil` value removes the member.
        var replacements: [String: JSONValue?] = [:]
        /// Members to add at the end when the client did not send them.
        var appended: [JSONObject.Member] = []
        var changes: [String] = []

        mutating func set(_ key: String, _ value: JSONValue, present: Bool) {
            if present {
                replacements[key] = .some(value)
            } else {
                appended.append(JSONObject.Member(key: key, value: value))
            }
            changes.append(key)
        }

        mutating func remove(_ key: String) {
            replacements[key] = .some(nil)
            changes.append("-\(key)")
        }
    }

    func edits(
        for fields: JSONObject,
        endpoint: MessagesEndpoint,
        credential: CredentialKind
    ) throws(ShapingError)
        -> Edits
    {
        var edits = Edits()
        // Model: nickname to id; a missing model gets the default.
        let requested: String
        switch fields["model"] {
        case .none, .some(.null): requested = settings.models.defaultModel
        case .some(.string(let name)) where !name.isEmpty: requested = name
        case .some(.string): throw ShapingError("model: must not be empty")
        case .some(let other): throw ShapingError("model: must be a string, got \(other.typeName)")
        }
        edits.model = settings.resolveModel(requested)
        if fields["model"]?.stringValue != edits.model {
            edits.set("model", .string(edits.model), present: fields["model"] != nil)
        }
        if let stream = fields["stream"], stream.boolValue == nil, !stream.isNull {
            throw ShapingError("stream: must be a boolean, got \(stream.typeName)")
        }
        if credential == .oauth, !settings.api.identityText.isEmpty {
            if let system = try identitySystem(fields["system"]) {
                edits.set("system", system, present: fields["system"] != nil)
            }
        }
        try applyThinking(fields, endpoint: endpoint, into: &edits)
        return edits
    }

    /// The `system` value with the identity block first, or `nil` when it is left as sent: it
    /// begins with Claude Code's billing-header block or already holds an identity line
    /// (`api.identity_text` or one of `api.identity_markers`).
    func identitySystem(_ system: JSONValue?) throws(ShapingError) -> JSONValue? {
        let identity: JSONValue = ["type": "text", "text": .string(settings.api.identityText)]
        switch system {
        case .none, .some(.null):
            return [identity]
        case .some(.string(let text)):
            if text.isEmpty { return [identity] }
            if text.hasPrefix(Defaults.billingHeaderPrefix) || holdsIdentity(text) { return nil }
            return [identity, ["type": "text", "text": .string(text)]]
        case .some(.array(let blocks)):
            if blocks.first?["text"]?.stringValue?.hasPrefix(Defaults.billingHeaderPrefix) == true { return nil }
            for block in blocks {
                if let text = block["text"]?.stringValue, holdsIdentity(text) { return nil }
            }
            return .array([identity] + blocks)
        case .some(let other):
            throw ShapingError("system: must be a string or a list of content blocks, got \(other.typeName)")
        }
    }

    /// Whether one line of `text` (spaces around it aside) is an identity line.
    func holdsIdentity(_ text: String) -> Bool {
        let markers = settings.api.identityMarkers
        let identity = settings.api.identityText
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var trimmed = line
            while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
            while let last = trimmed.last, last == " " || last == "\t" || last == "\r" { trimmed = trimmed.dropLast() }
            if trimmed == identity || markers.contains(where: { trimmed == $0 }) { return true }
        }
        return false
    }

    /// Thinking constraints and invalid sampling values, for `/v1/messages`.
    func applyThinking(_ fields: JSONObject, endpoint: MessagesEndpoint, into edits: inout Edits) throws(ShapingError) {
        guard endpoint == .messages else { return }
        var budget: Int?
        if let thinking = fields["thinking"], !thinking.isNull {
            guard let object = thinking.objectValue else {
                throw ShapingError("thinking: must be an object, got \(thinking.typeName)")
            }
            if object["type"]?.stringValue == "enabled" {
                guard let value = object["budget_tokens"]?.intValue, value > 0 else {
                    throw ShapingError("thinking.budget_tokens: must be a positive integer when thinking is enabled")
                }
                budget = value
            }
        }
        // Invalid sampling values are dropped rather than failing the request.
        if let temperature = fields["temperature"] {
            if let value = temperature.doubleValue, (0...1).contains(value) {
                if budget != nil, value != 1 { edits.set("temperature", 1, present: true) }
            } else {
                edits.remove("temperature")
            }
        }
        if let topP = fields["top_p"] {
            if let value = topP.doubleValue, (0...1).contains(value) {
                if budget != nil, value < 0.95 { edits.set("top_p", .number("0.95"), present: true) }
            } else {
                edits.remove("top_p")
            }
        }
        if let topK = fields["top_k"] {
            if budget != nil || (topK.intValue ?? 0) < 1 { edits.remove("top_k") }
        }
        // `max_tokens` must be above the budget; a valid value is kept (raising it could pass
        // the model's output limit), an invalid or missing one becomes budget + 1024.
        if let budget {
            let minimum = budget + 1024
            switch fields["max_tokens"] {
            case .none, .some(.null):
                edits.set("max_tokens", .int(minimum), present: fields["max_tokens"] != nil)
            case .some(let value):
                guard let maxTokens = value.intValue else {
                    throw ShapingError("max_tokens: must be an integer, got \(value.typeName)")
                }
                if maxTokens <= budget { edits.set("max_tokens", .int(minimum), present: true) }
            }
        }
    }
}
