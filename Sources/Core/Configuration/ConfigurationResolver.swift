/// Reads one setting at a time from the layers and records its source.
struct ConfigurationResolver {
    let file: JSONObject?
    let filePath: String
    let environment: [String: String]
    let overrides: [String: (flag: String, value: String)]
    let baseDirectory: String
    private(set) var entries: [ConfigurationEntry] = []
    private var knownKeys: Set<String> = []

    init(
        file: JSONObject?,
        filePath: String,
        environment: [String: String],
        overrides: [String: (flag: String, value: String)],
        baseDirectory: String
    ) {
        self.file = file
        self.filePath = filePath
        self.environment = environment
        self.overrides = overrides
        self.baseDirectory = baseDirectory
    }

    enum Raw {
        case text(String)
        case json(JSONValue)
    }

    /// The highest-precedence value of `key`, if any layer sets it.
    mutating func lookup(_ key: String, env: [String]) -> (raw: Raw, source: ConfigurationSource)? {
        knownKeys.insert(key)
        if let override = overrides[key] { return (.text(override.value), .flag(override.flag)) }
        for name in env {
            if let value = environment[name] { return (.text(value), .environment(name)) }
        }
        var node: JSONValue? = file.map { .object($0) }
        for part in key.split(separator: ".") {
            node = node?[String(part)]
        }
        if let node, !node.isNull { return (.json(node), .file(filePath)) }
        return nil
    }

    func failure(_ key: String, _ source: ConfigurationSource, _ message: String) -> ConfigurationError {
        let origin: String
        switch source {
        case .file(let path): origin = path
        case .environment(let name): origin = "environment variable \(name)"
        case .flag(let name): origin = "flag --\(name)"
        case .builtIn: origin = "built-in default"
        }
        return ConfigurationError(origin: origin, key: key, message: message)
    }

    mutating func record(_ key: String, _ value: String, _ source: ConfigurationSource?) {
        entries.append(ConfigurationEntry(key: key, value: value, source: source ?? .builtIn))
    }

    mutating func string(
        _ key: String,
        env: [String] = [],
        default fallback: String
    ) throws(ConfigurationError)
        -> String
    {
        try stringWithSource(key, env: env, default: fallback).value
    }

    /// The value and where it came from, so a later check can blame the right origin.
    mutating func stringWithSource(
        _ key: String,
        env: [String] = [],
        default fallback: String
    )
        throws(ConfigurationError) -> (value: String, source: ConfigurationSource)
    {
        let value = try optionalString(key, env: env, record: false)
        record(key, value?.value ?? fallback, value?.source)
        return (value?.value ?? fallback, value?.source ?? .builtIn)
    }

    mutating func optionalString(
        _ key: String,
        env: [String] = [],
        record shouldRecord: Bool = true
    )
        throws(ConfigurationError) -> (value: String, source: ConfigurationSource)?
    {
        guard let (raw, source) = lookup(key, env: env) else {
            if shouldRecord { record(key, "(unset)", nil) }
            return nil
        }
        let text: String
        switch raw {
        case .text(let value): text = value
        case .json(.string(let value)): text = value
        case .json(let other): throw failure(key, source, "must be a string, got \(other.typeName)")
        }
        if shouldRecord { record(key, text, source) }
        return (text, source)
    }

    mutating func path(
        _ key: String,
        env: [String] = [],
        default fallback: String?
    ) throws(ConfigurationError)
        -> String?
    {
        let value = try optionalString(key, env: env, record: false)
        let resolved = (value?.value ?? fallback).map {
            $0.isEmpty ? $0 : FileSystem.resolvePath($0, relativeTo: baseDirectory, environment: environment)
        }
        record(key, resolved ?? "(unset)", value?.source)
        return resolved
    }

    mutating func secret(_ key: String, env: [String]) throws(ConfigurationError) -> Secret? {
        let value = try optionalString(key, env: env, record: false)
        guard let value, !value.value.isEmpty else {
            record(key, "(unset)", value?.source)
            return nil
        }
        record(key, "(set, redacted)", value.source)
        return Secret(value.value)
    }

    mutating func number(
        _ key: String,
        env: [String] = [],
        default fallback: Double?,
        range: ClosedRange<Double>,
        integer: Bool
    ) throws(ConfigurationError) -> Double? {
        guard let (raw, source) = lookup(key, env: env) else {
            record(key, fallback.map { Self.format($0) } ?? "(unset)", nil)
            return fallback
        }
        let parsed: Double?
        switch raw {
        case .text(let text): parsed = Double(text.trimmingSpaces())
        case .json(.number(let text)): parsed = Double(text)
        case .json(.string(let text)): parsed = Double(text.trimmingSpaces())
        case .json(let other): throw failure(key, source, "must be a number, got \(other.typeName)")
        }
        let kind = integer ? "an integer" : "a number"
        let bounds = "from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
        guard let parsed, parsed.isFinite, !integer || parsed.rounded() == parsed else {
            throw failure(key, source, "must be \(kind) \(bounds)")
        }
        guard range.contains(parsed) else {
            throw failure(key, source, "must be \(kind) \(bounds), got \(Self.format(parsed))")
        }
        record(key, Self.format(parsed), source)
        return parsed
    }

    /// `true` or `false` (JSON booleans; from a flag or variable also `1`/`0`, `yes`/`no`, `on`/`off`).
    mutating func boolean(_ key: String, env: [String] = [], default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let (raw, source) = lookup(key, env: env) else {
            record(key, String(fallback), nil)
            return fallback
        }
        let value: Bool
        switch raw {
        case .json(.bool(let flag)): value = flag
        case .text(let text), .json(.string(let text)):
            switch text.trimmingSpaces().lowercased() {
            case "true", "1", "yes", "on": value = true
            case "false", "0", "no", "off": value = false
            default: throw failure(key, source, "must be true or false, got \"\(ExternalText.clean(text, limit: 40))\"")
            }
        case .json(let other): throw failure(key, source, "must be true or false, got \(other.typeName)")
        }
        record(key, String(value), source)
        return value
    }

    mutating func stringList(
        _ key: String,
        env: [String] = [],
        default fallback: [String]
    ) throws(ConfigurationError)
        -> [String]
    {
        guard let (raw, source) = lookup(key, env: env) else {
            record(key, fallback.joined(separator: ","), nil)
            return fallback
        }
        var list: [String] = []
        switch raw {
        case .text(let text), .json(.string(let text)):
            list = text.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        case .json(.array(let items)):
            for item in items {
                guard let text = item.stringValue else {
                    throw failure(key, source, "must be a list of strings, found a \(item.typeName)")
                }
                list.append(text)
            }
        case .json(let other):
            throw failure(key, source, "must be a list of strings, got \(other.typeName)")
        }
        record(key, list.joined(separator: ","), source)
        return list
    }

    mutating func stringMap(
        _ key: String,
        default fallback: [(name: String, value: String)]
    ) throws(ConfigurationError)
        -> [(name: String, value: String)]
    {
        guard let (raw, source) = lookup(key, env: []) else {
            record(key, fallback.map { "\($0.name)=\($0.value)" }.joined(separator: ","), nil)
            return fallback
        }
        guard case .json(.object(let object)) = raw else {
            throw failure(key, source, "must be an object of string values")
        }
        var result: [(name: String, value: String)] = []
        for member in object.members {
            guard let text = member.value.stringValue else {
                throw failure(key, source, "\(member.key) must be a string, got \(member.value.typeName)")
            }
            result.append((member.key, text))
        }
        record(key, result.map { "\($0.name)=\($0.value)" }.joined(separator: ","), source)
        return result
    }

    static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Keys present in the file that no setting reads.
    func unknownKeyWarnings() -> [String] {
        guard let file else { return [] }
        var warnings: [String] = []
        for section in file.members {
            guard let members = section.value.objectValue?.members else {
                warnings.append("\(filePath): unknown key \(section.key) (settings are grouped: server, models, api, oauth, storage, limits)")
                continue
            }
            for member in members where !knownKeys.contains("\(section.key).\(member.key)") {
                warnings.append("\(filePath): unknown key \(section.key).\(member.key); it is ignored")
            }
        }
        return warnings
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
