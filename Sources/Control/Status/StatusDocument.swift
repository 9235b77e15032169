public import MaximizeCore

/// `status.json`: the daemon's state for probes and `maxctl status`. Never holds any part of a secret.
public struct StatusDocument: Sendable, Equatable {
    public struct Listener: Sendable, Equatable {
        public var type: String
        public var path: String?
        public var address: String?

        public init(type: String, path: String? = nil, address: String? = nil) {
            self.type = type
            self.path = path
            self.address = address
        }
    }

    public struct Credentials: Sendable, Equatable {
        public var kind: String = "none"
        public var source: String = ""
        public var expiresAt: Double?
        public var lastRefreshAt: Double?
        public var lastRefreshError: String?
        /// Where the credentials are kept: `file` (or `postgres`).
        public var store: String = "file"
        /// Whether the credential in use is the one the store holds; `false` while a rotated
        /// token lives only in memory (the disk was full or read-only).
        public var saved = true

        public init() {}
    }

    public struct Config: Sendable, Equatable {
        public var path: String = ""
        public var sha256: String?
        public var loadedAt: Double?
        public var error: String?

        public init() {}
    }

    public struct Requests: Sendable, Equatable {
        public var total = 0
        public var inFlight = 0
        public var failed = 0

        public init() {}
    }

    public struct Control: Sendable, Equatable {
        /// One control request's result, kept for a while so that concurrent callers all find theirs.
        public struct Result: Sendable, Equatable {
            public var id: String
            public var action: String
            public var result: String
            public var at: Double

            public init(id: String, action: String, result: String, at: Double) {
                self.id = id
                self.action = action
                self.result = result
                self.at = at
            }
        }

        public var lastID: String?
        public var lastAction: String?
        public var lastResult: String?
        /// The latest results, newest last, at most ``StatusDocument/maximumRecentResults``.
        public var recent: [Result] = []

        public init() {}

        /// The result recorded for `id`, if it is still listed.
        public func result(for id: String) -> String? {
            if lastID == id { return lastResult }
            return recent.last { $0.id == id }?.result
        }
    }

    public static let schema = 1
    /// Bounds that keep the file small whatever the world sends (well under 64 KiB).
    /// Enough for a hundred concurrent `maxctl reload`/`refresh` callers to each find theirs.
    public static let maximumRecentResults = 100
    /// A recent result's text is cut shorter than the others (the whole one is `last_result`).
    public static let maximumRecentResultBytes = 160
    public static let maximumWarnings = 8
    public static let maximumTextBytes = 512

    public var version = MaximizeVersion.current
    public var pid: Int32 = 0
    /// The process's start time in clock ticks after boot (`/proc/<pid>/stat`, field 22): with
    /// ``pid`` it names one process, so a probe can tell that it is gone.
    public var processStart: UInt64?
    /// The daemon's pid namespace (`readlink /proc/self/ns/pid`): a probe checks the pid only
    /// from the same namespace.
    public var pidNamespace: String?
    public var state: DaemonState = .starting
    public var reason: String?
    public var startedAt: Double = 0
    public var updatedAt: Double = 0
    public var listeners: [Listener] = []
    public var credentials = Credentials()
    public var config = Config()
    public var requests = Requests()
    public var control = Control()
    /// Things an operator should fix that do not stop service (loose file modes, credentials not
    /// saved), at most ``maximumWarnings``.
    public var warnings: [String] = []

    public init() {}
}

extension StatusDocument {
    /// The contract's JSON.
    public var json: JSONValue {
        func time(_ value: Double?) -> JSONValue { value.map { .string(Timestamp.iso8601($0)) } ?? .null }
        func text(_ value: String?) -> JSONValue {
            value.map { .string(ExternalText.clean($0, limit: Self.maximumTextBytes)) } ?? .null
        }
        let expiresIn: JSONValue = credentials.expiresAt.map { .int(Int(($0 - updatedAt).rounded(.down))) } ?? .null
        return [
            "schema": .int(Self.schema),
            "version": text(version),
            "pid": .int(Int(pid)),
            "process_start": processStart.map { .int(Int(clamping: $0)) } ?? .null,
            "pid_namespace": text(pidNamespace),
            "state": .string(state.rawValue),
            "reason": text(reason),
            "warnings": .array(warnings.suffix(Self.maximumWarnings).map { text($0) }),
            "started_at": time(startedAt),
            "updated_at": time(updatedAt),
            "listeners": .array(
                listeners.map { listener in
                    var object = JSONObject([.init(key: "type", value: text(listener.type))])
                    if let path = listener.path { object["path"] = text(path) }
                    if let address = listener.address { object["address"] = text(address) }
                    return .object(object)
                }
            ),
            "credentials": [
                "kind": text(credentials.kind),
                "source": text(credentials.source),
                "store": text(credentials.store),
                "saved": .bool(credentials.saved),
                "expires_at": time(credentials.expiresAt),
                "expires_in_seconds": expiresIn,
                "last_refresh_at": time(credentials.lastRefreshAt),
                "last_refresh_error": text(credentials.lastRefreshError),
            ],
            "config": [
                "path": text(config.path),
                "sha256": text(config.sha256),
                "loaded_at": time(config.loadedAt),
                "error": text(config.error),
            ],
            "requests": [
                "total": .int(requests.total), "in_flight": .int(requests.inFlight), "failed": .int(requests.failed),
            ],
            "control": [
                "last_id": text(control.lastID), "last_action": text(control.lastAction),
                "last_result": text(control.lastResult),
                "recent": .array(
                    control.recent.suffix(Self.maximumRecentResults).map { entry in
                        [
                            "id": text(entry.id), "action": text(entry.action),
                            "result": .string(ExternalText.clean(entry.result, limit: Self.maximumRecentResultBytes)),
                            "at": time(entry.at),
                        ]
                    }
                ),
            ],
        ]
    }

    /// Reads a document written by ``json``; `nil` when it is not one.
    public init?(json: JSONValue) {
        guard json["schema"]?.intValue == Self.schema, let stateName = json["state"]?.stringValue,
            let state = DaemonState(rawValue: stateName), let updated = json["updated_at"]?.stringValue,
            let updatedAt = Timestamp.unixTime(iso8601: updated)
        else { return nil }
        self.init()
        self.state = state
        self.updatedAt = updatedAt
        version = json["version"]?.stringValue ?? ""
        pid = Int32(clamping: json["pid"]?.intValue ?? 0)
        processStart = json["process_start"]?.intValue.flatMap { $0 >= 0 ? UInt64($0) : nil }
        pidNamespace = json["pid_namespace"]?.stringValue
        warnings = (json["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        reason = json["reason"]?.stringValue
        startedAt = json["started_at"]?.stringValue.flatMap(Timestamp.unixTime(iso8601:)) ?? 0
        listeners = (json["listeners"]?.arrayValue ?? []).map {
            Listener(type: $0["type"]?.stringValue ?? "", path: $0["path"]?.stringValue, address: $0["address"]?.stringValue)
        }
        credentials.kind = json["credentials"]?["kind"]?.stringValue ?? "none"
        credentials.source = json["credentials"]?["source"]?.stringValue ?? ""
        credentials.expiresAt = json["credentials"]?["expires_at"]?.stringValue.flatMap(Timestamp.unixTime(iso8601:))
        credentials.lastRefreshAt = json["credentials"]?["last_refresh_at"]?.stringValue.flatMap(Timestamp.unixTime(iso8601:))
        credentials.lastRefreshError = json["credentials"]?["last_refresh_error"]?.stringValue
        credentials.store = json["credentials"]?["store"]?.stringValue ?? "file"
        credentials.saved = json["credentials"]?["saved"]?.boolValue ?? true
        config.path = json["config"]?["path"]?.stringValue ?? ""
        config.sha256 = json["config"]?["sha256"]?.stringValue
        config.loadedAt = json["config"]?["loaded_at"]?.stringValue.flatMap(Timestamp.unixTime(iso8601:))
        config.error = json["config"]?["error"]?.stringValue
        requests.total = json["requests"]?["total"]?.intValue ?? 0
        requests.inFlight = json["requests"]?["in_flight"]?.intValue ?? 0
        requests.failed = json["requests"]?["failed"]?.intValue ?? 0
        control.lastID = json["control"]?["last_id"]?.stringValue
        control.lastAction = json["control"]?["last_action"]?.stringValue
        control.lastResult = json["control"]?["last_result"]?.stringValue
        control.recent = (json["control"]?["recent"]?.arrayValue ?? []).compactMap { entry in
            guard let id = entry["id"]?.stringValue, let result = entry["result"]?.stringValue else { return nil }
            return Control.Result(
                id: id,
                action: entry["action"]?.stringValue ?? "",
                result: result,
                at: entry["at"]?.stringValue.flatMap(Timestamp.unixTime(iso8601:)) ?? 0
            )
        }
    }
}
