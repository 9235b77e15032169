import MaximizeCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The contract's JSON for `status.json`, through `Codable`.
///
/// Writing caps and cleans text from outside (``ExternalText``), writes every field the contract
/// lists (absent values as `null`) and times as ISO 8601. Reading needs `schema`, `state` and
/// `updated_at`; any other field that is missing or of another type takes its default, so a
/// reader accepts documents from older and newer daemons.
extension StatusDocument: Codable {
    enum Keys: String, CodingKey {
        case schema, version, pid, state, reason, warnings, listeners, credentials, config, requests, control, limits
        case processStart = "process_start"
        case pidNamespace = "pid_namespace"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
    }

    enum ListenerKeys: String, CodingKey {
        case type, path, address
    }

    enum CredentialsKeys: String, CodingKey {
        case kind, source, store, saved
        case expiresAt = "expires_at"
        case expiresInSeconds = "expires_in_seconds"
        case lastRefreshAt = "last_refresh_at"
        case lastRefreshError = "last_refresh_error"
    }

    enum ConfigKeys: String, CodingKey {
        case path, sha256, error, checks
        case loadedAt = "loaded_at"
    }

    enum RequestsKeys: String, CodingKey {
        case total, failed
        case inFlight = "in_flight"
    }

    enum ControlKeys: String, CodingKey {
        case recent
        case lastID = "last_id"
        case lastAction = "last_action"
        case lastResult = "last_result"
    }

    enum ResultKeys: String, CodingKey {
        case id, action, result, at
    }

    /// The file's bytes: one line of JSON, keys sorted.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(self))
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a document written by ``encoded()``.
    public init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(StatusDocument.self, from: Data(bytes))
    }

    public func encode(to encoder: any Encoder) throws {
        func text(_ value: String?) -> String? { value.map { ExternalText.clean($0, limit: Self.maximumTextBytes) } }
        func time(_ value: Double?) -> String? { value.map(Timestamp.iso8601) }
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(text(version), forKey: .version)
        try container.encode(Int(pid), forKey: .pid)
        try container.encode(processStart.map { Int(clamping: $0) }, forKey: .processStart)
        try container.encode(text(pidNamespace), forKey: .pidNamespace)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(text(reason), forKey: .reason)
        try container.encode(warnings.suffix(Self.maximumWarnings).map { text($0) }, forKey: .warnings)
        try container.encode(time(startedAt), forKey: .startedAt)
        try container.encode(time(updatedAt), forKey: .updatedAt)
        var listenerList = container.nestedUnkeyedContainer(forKey: .listeners)
        for listener in listeners {
            var object = listenerList.nestedContainer(keyedBy: ListenerKeys.self)
            try object.encode(text(listener.type), forKey: .type)
            try object.encodeIfPresent(text(listener.path), forKey: .path)
            try object.encodeIfPresent(text(listener.address), forKey: .address)
        }
        var credentialsObject = container.nestedContainer(keyedBy: CredentialsKeys.self, forKey: .credentials)
        try credentialsObject.encode(text(credentials.kind), forKey: .kind)
        try credentialsObject.encode(text(credentials.source), forKey: .source)
        try credentialsObject.encode(text(credentials.store), forKey: .store)
        try credentialsObject.encode(credentials.saved, forKey: .saved)
        try credentialsObject.encode(time(credentials.expiresAt), forKey: .expiresAt)
        let expiresIn = credentials.expiresAt.map { Int(($0 - updatedAt).rounded(.down)) }
        try credentialsObject.encode(expiresIn, forKey: .expiresInSeconds)
        try credentialsObject.encode(time(credentials.lastRefreshAt), forKey: .lastRefreshAt)
        try credentialsObject.encode(text(credentials.lastRefreshError), forKey: .lastRefreshError)
        var configObject = container.nestedContainer(keyedBy: ConfigKeys.self, forKey: .config)
        try configObject.encode(text(config.path), forKey: .path)
        try configObject.encode(text(config.sha256), forKey: .sha256)
        try configObject.encode(time(config.loadedAt), forKey: .loadedAt)
        try configObject.encode(text(config.error), forKey: .error)
        try configObject.encode(config.checks, forKey: .checks)
        var requestsObject = container.nestedContainer(keyedBy: RequestsKeys.self, forKey: .requests)
        try requestsObject.encode(requests.total, forKey: .total)
        try requestsObject.encode(requests.inFlight, forKey: .inFlight)
        try requestsObject.encode(requests.failed, forKey: .failed)
        var controlObject = container.nestedContainer(keyedBy: ControlKeys.self, forKey: .control)
        try controlObject.encode(text(control.lastID), forKey: .lastID)
        try controlObject.encode(text(control.lastAction), forKey: .lastAction)
        try controlObject.encode(text(control.lastResult), forKey: .lastResult)
        var recentList = controlObject.nestedUnkeyedContainer(forKey: .recent)
        for entry in control.recent.suffix(Self.maximumRecentResults) {
            var object = recentList.nestedContainer(keyedBy: ResultKeys.self)
            try object.encode(text(entry.id), forKey: .id)
            try object.encode(text(entry.action), forKey: .action)
            try object.encode(ExternalText.clean(entry.result, limit: Self.maximumRecentResultBytes), forKey: .result)
            try object.encode(time(entry.at), forKey: .at)
        }
        try container.encode(LimitsWire(limits, now: updatedAt), forKey: .limits)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        guard container.lenient(Int.self, .schema) == Self.schema,
            let state = container.lenient(String.self, .state).flatMap(DaemonState.init(rawValue:)),
            let updatedAt = container.lenient(String.self, .updatedAt).flatMap(Timestamp.unixTime(iso8601:))
        else {
            let context = DecodingError.Context(codingPath: [], debugDescription: "not a schema \(Self.schema) maximize status document")
            throw DecodingError.dataCorrupted(context)
        }
        self.init()
        self.state = state
        self.updatedAt = updatedAt
        version = container.lenient(String.self, .version) ?? ""
        pid = Int32(clamping: container.lenient(Int.self, .pid) ?? 0)
        processStart = container.lenient(Int.self, .processStart).flatMap { $0 >= 0 ? UInt64($0) : nil }
        pidNamespace = container.lenient(String.self, .pidNamespace)
        warnings = container.lenient([LenientString].self, .warnings)?.compactMap(\.value) ?? []
        reason = container.lenient(String.self, .reason)
        startedAt = container.lenient(String.self, .startedAt).flatMap(Timestamp.unixTime(iso8601:)) ?? 0
        listeners =
            container.lenient([WireListener].self, .listeners)?.map {
                Listener(type: $0.type ?? "", path: $0.path, address: $0.address)
            } ?? []
        if let object = try? container.nestedContainer(keyedBy: CredentialsKeys.self, forKey: .credentials) {
            credentials.kind = object.lenient(String.self, .kind) ?? "none"
            credentials.source = object.lenient(String.self, .source) ?? ""
            credentials.expiresAt = object.lenient(String.self, .expiresAt).flatMap(Timestamp.unixTime(iso8601:))
            credentials.lastRefreshAt = object.lenient(String.self, .lastRefreshAt).flatMap(Timestamp.unixTime(iso8601:))
            credentials.lastRefreshError = object.lenient(String.self, .lastRefreshError)
            credentials.store = object.lenient(String.self, .store) ?? "file"
            credentials.saved = object.lenient(Bool.self, .saved) ?? true
        }
        if let object = try? container.nestedContainer(keyedBy: ConfigKeys.self, forKey: .config) {
            config.path = object.lenient(String.self, .path) ?? ""
            config.sha256 = object.lenient(String.self, .sha256)
            config.loadedAt = object.lenient(String.self, .loadedAt).flatMap(Timestamp.unixTime(iso8601:))
            config.error = object.lenient(String.self, .error)
            config.checks = object.lenient(Int.self, .checks) ?? 0
        }
        if let object = try? container.nestedContainer(keyedBy: RequestsKeys.self, forKey: .requests) {
            requests.total = object.lenient(Int.self, .total) ?? 0
            requests.inFlight = object.lenient(Int.self, .inFlight) ?? 0
            requests.failed = object.lenient(Int.self, .failed) ?? 0
        }
        if let object = try? container.nestedContainer(keyedBy: ControlKeys.self, forKey: .control) {
            control.lastID = object.lenient(String.self, .lastID)
            control.lastAction = object.lenient(String.self, .lastAction)
            control.lastResult = object.lenient(String.self, .lastResult)
            control.recent = (object.lenient([WireResult].self, .recent) ?? []).compactMap { entry in
                guard let id = entry.id, let result = entry.result else { return nil }
                return Control.Result(id: id, action: entry.action ?? "", result: result, at: entry.at.flatMap(Timestamp.unixTime(iso8601:)) ?? 0)
            }
        }
        limits = container.lenient(LimitsWire.self, .limits)?.state ?? RateLimitState()
    }

    /// A string, or `nil` for a value of another type (the list around it is still read).
    private struct LenientString: Decodable {
        var value: String?

        init(from decoder: any Decoder) throws {
            value = try? decoder.singleValueContainer().decode(String.self)
        }
    }

    /// A listener as read: every field optional.
    private struct WireListener: Decodable {
        var type: String?
        var path: String?
        var address: String?
    }

    /// A recent control result as read: every field optional.
    private struct WireResult: Decodable {
        var id: String?
        var action: String?
        var result: String?
        var at: String?
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `nil` when it is missing, `null` or of another type.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
