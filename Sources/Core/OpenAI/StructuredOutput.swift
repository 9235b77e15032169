/// An OpenAI structured-output request (`response_format` on Chat Completions, `text.format` on
/// Responses) and its translation to the Messages API.
///
/// Two paths reach the same answer, JSON text matching the schema:
/// - **native**: `output_config.format` (`{"type": "json_schema", "schema": …}`), Anthropic's
///   structured outputs (generally available, no beta header), for a strict schema on a model that
///   supports them (``supportsNativeFormat(model:)``). The answer is a text block holding the JSON.
/// - **tool**: one forced tool whose `input_schema` is the schema; the tool's input is the answer.
///   Used for `json_object`, non-strict schemas and older models. Thinking is dropped on this path
///   (the Messages API refuses thinking with a forced `tool_choice`), and a request with tools of
///   its own is refused (the forced tool would keep the model from calling them).
///
/// Pure: no I/O. ``apply(to:model:)`` edits the Messages request; the `+Answer` helpers turn the
/// Messages answer (whole or streamed) back into the JSON text.
public struct StructuredOutput: Sendable, Hashable {
    /// What the client asked for.
    public enum Format: Sendable, Hashable {
        /// A JSON Schema; `strict` asks for an answer guaranteed to match it.
        case jsonSchema(name: String, schema: JSONObject, strict: Bool, description: String?)
        /// Any JSON object.
        case jsonObject
    }

    /// How the request went upstream, decided by ``apply(to:model:)``.
    public enum Path: Sendable, Hashable {
        case native
        /// The forced tool's name.
        case tool(name: String)
    }

    /// Which path strict schemas take (`models.structured_outputs`).
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// Native on models that support structured outputs (``supportsNativeFormat(model:)``).
        case auto
        /// Native for every model (an upstream that takes `output_config.format` whatever the id says).
        case native
        /// The forced tool for every model.
        case tool
    }

    /// The tool name used when the schema has no usable name.
    public static let defaultToolName = "json_response"

    public var format: Format
    /// The OpenAI parameter the format came from, for errors (`response_format` or `text.format`).
    public var param: String
    /// Set by ``apply(to:model:)``.
    public private(set) var path: Path?

    public init(format: Format, param: String = "response_format") {
        self.format = format
        self.param = param
    }

    /// Chat Completions' `response_format`: `nil` for `text` (or none), refused when malformed.
    public init?(openAIResponseFormat value: JSONValue?) throws(OpenAIError) {
        let param = "response_format"
        try self.init(value, param: param) { object throws(OpenAIError) in
            guard let spec = object["json_schema"]?.objectValue else {
                throw OpenAIError(message: "response_format json_schema needs a json_schema object", param: param)
            }
            return spec
        }
    }

    /// The Responses API's `text.format` (`name`, `schema`, `strict` flat in the format object):
    /// `nil` for `text` (or none), refused when malformed.
    public init?(responsesTextFormat value: JSONValue?) throws(OpenAIError) {
        try self.init(value, param: "text.format") { object throws(OpenAIError) in object }
    }

    /// A format object named `param`; `spec` finds a `json_schema`'s name, schema and strictness in it.
    private init?(
        _ value: JSONValue?,
        param: String,
        spec: (JSONObject) throws(OpenAIError) -> JSONObject
    ) throws(OpenAIError) {
        switch value {
        case .none, .some(.null): return nil
        case .some(.object(let object)):
            switch object["type"]?.stringValue {
            case "text": return nil
            case "json_object": self.init(format: .jsonObject, param: param)
            case "json_schema": self.init(format: try Self.schemaFormat(try spec(object), param: param), param: param)
            default:
                throw OpenAIError(
                    message: "\(param) type must be text, json_object or json_schema, got \(object["type"]?.jsonString ?? "none")",
                    param: param
                )
            }
        case .some(let other):
            throw OpenAIError(message: "\(param) must be an object, got \(other.typeName)", param: param)
        }
    }

    static func schemaFormat(_ spec: JSONObject, param: String) throws(OpenAIError) -> Format {
        guard let schema = spec["schema"]?.objectValue else {
            throw OpenAIError(message: "\(param): json_schema needs a schema object", param: param)
        }
        if let type = schema["type"], type != "object" {
            throw OpenAIError(message: "\(param): the schema's root must be an object (\"type\": \"object\")", param: param)
        }
        let strict = spec["strict"]?.boolValue ?? false
        return .jsonSchema(name: toolName(spec["name"]?.stringValue), schema: schema, strict: strict, description: spec["description"]?.stringValue)
    }

    /// A tool name the Messages API takes (`[a-zA-Z0-9_-]{1,64}`) from the schema's name.
    static func toolName(_ name: String?) -> String {
        let allowed = (name ?? "").unicodeScalars.filter { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
        }
        let cleaned = String(String.UnicodeScalarView(allowed.prefix(64)))
        return cleaned.isEmpty ? defaultToolName : cleaned
    }

    /// The schema asked for; `{"type": "object"}` for `json_object`.
    public var schemaObject: JSONObject {
        if case .jsonSchema(_, let schema, _, _) = format { return schema }
        return ["type": "object"]
    }

    /// The path a request for `model` (an upstream model id, nicknames resolved) takes.
    public func path(forModel model: String, rule: Rule = .auto) -> Path {
        let native = rule == .native || (rule == .auto && Self.supportsNativeFormat(model: model))
        return switch format {
        case .jsonSchema(_, _, true, _) where native: .native
        case .jsonSchema(let name, _, _, _): .tool(name: name)
        case .jsonObject: .tool(name: Self.defaultToolName)
        }
    }

    /// Edits the Messages request `request` (already translated) to ask for this format from
    /// `model`, and records the path taken.
    public mutating func apply(to request: inout JSONObject, model: String, rule: Rule = .auto) throws(OpenAIError) {
        let path = path(forModel: model, rule: rule)
        switch path {
        case .native:
            var config = request["output_config"]?.objectValue ?? JSONObject()
            config["format"] = ["type": "json_schema", "schema": .object(Self.nativeSchema(schemaObject))]
            request["output_config"] = .object(config)
        case .tool(let name):
            if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
                throw OpenAIError(
                    message: "\(param) with tools needs a model with native structured outputs (Claude 4.5 or later) and a strict "
                        + "json_schema; \(model) answers through a forced tool, which would keep it from calling yours. "
                        + "Drop the tools, or use such a model with \"strict\": true",
                    param: param
                )
            }
            var description = "Give the answer as this tool's input: a JSON object."
            if case .jsonSchema(_, _, _, let given?) = format { description = given }
            request["tools"] = [["name": .string(name), "description": .string(description), "input_schema": .object(schemaObject)]]
            request["tool_choice"] = ["type": "tool", "name": .string(name)]
            request.members.removeAll { $0.key == "thinking" }
        }
        self.path = path
    }
}
