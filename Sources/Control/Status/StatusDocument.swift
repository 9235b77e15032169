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
        public var lastID: String?
        public var lastAction: String?
        public var lastResult: String?

        public init() {}
    }

    public static let schema = 1

    public var version = MaximizeVersion.current
    public var pid: Int32 = 0
    public var state: DaemonState = .starting
    public var reason: String?
    public var startedAt: Double = 0
    public var updatedAt: Double = 0
    public var listeners: [Listener] = []
    public var credentials = Credentials()
    public var config = Config()
    public var requests = Requests()
    public var control = Control()

    public init() {}
}

extension StatusDocument {
    /// The contract's JSON.
    public var json: JSONValue {
        func time(_ value: Double?) -> JSONValue { value.map { .string(Clock.iso8601($0)) } ?? .null }
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let expiresIn: JSONValue = credentials.expiresAt.map { .int(Int(($0 - updatedAt).rounded(.down))) } ?? .null
        return [
            "schema": .int(Self.schema),
            "version": .string(version),
            "pid": .int(Int(pid)),
            "state": .string(state.rawValue),
            "reason": text(reason),
            "started_at": time(startedAt),
            "updated_at": time(updatedAt),
            "listeners": .array(
                listeners.map { listener in
                    var object = JSONObject([.init(key: "type", value: .string(listener.type))])
                    if let path = listener.path { object["path"] = .string(path) }
                    if let address = listener.address { object["address"] = .string(address) }
                    return .object(object)
                }
            ),
            "credentials": [
                "kind": .string(credentials.kind),
                "source": .string(credentials.source),
                "expires_at": time(credentials.expiresAt),
                "expires_in_seconds": expiresIn,
                "last_refresh_at": time(credentials.lastRefreshAt),
                "last_refresh_error": text(credentials.lastRefreshError),
            ],
            "config": [
                "path": .string(config.path),
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
            ],
        ]
    }

    /// Reads a document written by ``json``; `nil` when it is not one.
    public init?(json: JSONValue) {
        guard json["schema"]?.intValue == Self.schema, let stateName = json["state"]?.stringValue,
            let state = DaemonState(rawValue: stateName), let updated = json["updated_at"]?.stringValue,
            let updatedAt = Clock.unixTime(iso8601: updated)
        else { return nil }
        self.init()
        self.state = state
        self.updatedAt = updatedAt
        version = json["version"]?.stringValue ?? ""
        pid = Int32(json["pid"]?.intValue ?? 0)
        reason = json["reason"]?.stringValue
        startedAt = json["started_at"]?.stringValue.flatMap(Clock.unixTime(iso8601:)) ?? 0
        listeners = (json["listeners"]?.arrayValue ?? []).map {
            Listener(type: $0["type"]?.stringValue ?? "", path: $0["path"]?.stringValue, address: $0["address"]?.stringValue)
        }
        credentials.kind = json["credentials"]?["kind"]?.stringValue ?? "none"
        credentials.source = json["credentials"]?["source"]?.stringValue ?? ""
        credentials.expiresAt = json["credentials"]?["expires_at"]?.stringValue.flatMap(Clock.unixTime(iso8601:))
        credentials.lastRefreshAt = json["credentials"]?["last_refresh_at"]?.stringValue.flatMap(Clock.unixTime(iso8601:))
        credentials.lastRefreshError = json["credentials"]?["last_refresh_error"]?.stringValue
        config.path = json["config"]?["path"]?.stringValue ?? ""
        config.sha256 = json["config"]?["sha256"]?.stringValue
        config.loadedAt = json["config"]?["loaded_at"]?.stringValue.flatMap(Clock.unixTime(iso8601:))
        config.error = json["config"]?["error"]?.stringValue
        requests.total = json["requests"]?["total"]?.intValue ?? 0
        requests.inFlight = json["requests"]?["in_flight"]?.intValue ?? 0
        requests.failed = json["requests"]?["failed"]?.intValue ?? 0
        control.lastID = json["control"]?["last_id"]?.stringValue
        control.lastAction = json["control"]?["last_action"]?.stringValue
        control.lastResult = json["control"]?["last_result"]?.stringValue
    }
}
