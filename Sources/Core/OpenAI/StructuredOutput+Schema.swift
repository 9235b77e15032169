/// Which models take the native path, and the schema they are sent.
extension StructuredOutput {
    /// The oldest Claude version with structured outputs (`output_config.format`): 4.5.
    public static let nativeMinimumVersion = (major: 4, minor: 5)

    /// Whether `model` (an upstream id such as `claude-sonnet-4-5-20250929`) supports structured
    /// outputs: a `claude-…` id whose version (the first one- or two-digit parts, `4-5` in
    /// `claude-haiku-4-5`, `3-7` in `claude-3-7-sonnet-latest`) is 4.5 or later. An id it cannot
    /// read takes the tool path, which every model supports.
    public static func supportsNativeFormat(model: String) -> Bool {
        let parts = model.lowercased().split(separator: "-")
        guard parts.first == "claude" else { return false }
        func isVersionPart(_ part: Substring) -> Bool { (1...2).contains(part.count) && part.allSatisfy(\.isNumber) }
        guard let majorIndex = parts.firstIndex(where: isVersionPart), let major = Int(parts[majorIndex]) else { return false }
        var minor = 0
        if majorIndex + 1 < parts.count, isVersionPart(parts[majorIndex + 1]) { minor = Int(parts[majorIndex + 1]) ?? 0 }
        return (major, minor) >= nativeMinimumVersion
    }

    /// Keywords structured outputs do not take; they move into the `description` (as Anthropic's
    /// SDKs do), so the model still sees them.
    static let unsupportedKeywords: Set<String> = [
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
        "maxItems", "minProperties", "maxProperties", "patternProperties", "unevaluatedProperties", "propertyNames",
    ]

    /// `schema` made acceptable to structured outputs: every object schema closed
    /// (`additionalProperties: false`, as OpenAI's strict mode already requires), `minItems`
    /// above 1 and the ``unsupportedKeywords`` moved into the description.
    static func nativeSchema(_ schema: JSONObject) -> JSONObject {
        var result = JSONObject()
        var notes: [String] = []
        for member in schema.members {
            if unsupportedKeywords.contains(member.key) || (member.key == "minItems" && (member.value.intValue ?? 0) > 1) {
                notes.append("\(member.key): \(member.value.jsonString)")
                continue
            }
            result[member.key] = nativeValue(member.value, key: member.key)
        }
        if result["type"] == "object" || result["properties"] != nil, result["additionalProperties"]?.boolValue != false {
            result["additionalProperties"] = false
        }
        if !notes.isEmpty {
            let existing = result["description"]?.stringValue.map { $0 + "\n\n" } ?? ""
            result["description"] = .string(existing + "{" + notes.joined(separator: ", ") + "}")
        }
        return result
    }

    /// A keyword's value: schemas inside (`properties`, `items`, `$defs`, `anyOf`…) cleaned too.
    static func nativeValue(_ value: JSONValue, key: String) -> JSONValue {
        switch key {
        case "properties", "$defs", "definitions":
            guard let object = value.objectValue else { return value }
            return .object(JSONObject(object.members.map { .init(key: $0.key, value: nativeSubschema($0.value)) }))
        case "items", "additionalItems", "not", "if", "then", "else", "contains":
            return nativeSubschema(value)
        case "anyOf", "allOf", "oneOf", "prefixItems":
            guard let list = value.arrayValue else { return value }
            return .array(list.map(nativeSubschema))
        default:
            return value
        }
    }

    static func nativeSubschema(_ value: JSONValue) -> JSONValue {
        value.objectValue.map { .object(nativeSchema($0)) } ?? value
    }
}
