import MaximizeCore
import Testing

@testable import MaximizeControl

struct StatusDocumentTests {
    static func sample(state: DaemonState = .ready, updatedAt: Double = 1_764_064_805) -> StatusDocument {
        var document = StatusDocument()
        document.pid = 42
        document.state = state
        document.startedAt = 1_764_064_800
        document.updatedAt = updatedAt
        document.listeners = [.init(type: "unix", path: "/run/maximize/maximize.sock"), .init(type: "tcp", address: "127.0.0.1:8081")]
        document.credentials.kind = "oauth"
        document.credentials.source = "/state/tokens.json"
        document.credentials.expiresAt = 1_764_068_405
        document.config.path = "/state/config.json"
        document.config.sha256 = "abc"
        document.requests.total = 3
        document.control.lastID = "1-2-3"
        document.control.lastAction = "reload"
        document.control.lastResult = "ok"
        return document
    }

    /// The document as written, read back as plain JSON.
    static func json(_ document: StatusDocument) throws -> JSONValue {
        try JSONParser.parse(try document.encoded())
    }

    @Test func contractShape() throws {
        let json = try Self.json(Self.sample())
        #expect(json["schema"] == 1)
        #expect(json["version"]?.stringValue == MaximizeVersion.current)
        #expect(json["state"] == "ready")
        #expect(json["reason"] == .null)
        #expect(json["started_at"] == "2025-11-25T10:00:00Z")
        #expect(json["updated_at"] == "2025-11-25T10:00:05Z")
        #expect(json["listeners"] == [["path": "/run/maximize/maximize.sock", "type": "unix"], ["address": "127.0.0.1:8081", "type": "tcp"]])
        #expect(json["credentials"]?["expires_in_seconds"] == 3600)
        #expect(json["credentials"]?["last_refresh_at"] == .null)
        #expect(json["config"]?["error"] == .null)
        #expect(json["config"]?["checks"] == 0)
        #expect(json["requests"] == ["failed": 0, "in_flight": 0, "total": 3])
        #expect(json["control"] == ["last_action": "reload", "last_id": "1-2-3", "last_result": "ok", "recent": []])
        #expect(json["credentials"]?["store"] == "file")
        #expect(json["credentials"]?["saved"] == true)
        #expect(json["warnings"] == [])
        let keys = json.objectValue?.keys ?? []
        #expect(
            keys == [
                "config", "control", "credentials", "limits", "listeners", "pid", "pid_namespace", "process_start", "reason",
                "requests", "schema", "started_at", "state", "updated_at", "version", "warnings",
            ]
        )
        #expect(json["credentials"]?.objectValue?.keys.count == 8)
        #expect(json["config"]?.objectValue?.keys.count == 5)
        let text = String(decoding: try Self.sample().encoded(), as: UTF8.self)
        #expect(text.hasSuffix("}\n") && !text.dropLast().contains("\n"), "one line")
        #expect(text.contains(#""path":"/state/config.json""#), "slashes are not escaped")
    }

    @Test func roundTrip() throws {
        let document = Self.sample()
        let parsed = try StatusDocument(decoding: try document.encoded())
        #expect(parsed == document)
    }

    @Test func newFieldsRoundTrip() throws {
        var document = Self.sample()
        document.processStart = 123_456
        document.pidNamespace = "pid:[4026531836]"
        document.warnings = ["tokens.json is readable by others"]
        document.credentials.saved = false
        document.control.recent = [.init(id: "a", action: "reload", result: "ok", at: 1_764_064_801)]
        document.config.checks = 7
        let parsed = try StatusDocument(decoding: try document.encoded())
        #expect(parsed == document)
        #expect(parsed.control.result(for: "a") == "ok")
        #expect(parsed.control.result(for: "1-2-3") == "ok")
        #expect(parsed.control.result(for: "b") == nil)
    }

    @Test func limitsRoundTripWithEveryFieldWritten() throws {
        var document = Self.sample()
        #expect(
            try Self.json(document)["limits"] == [
                "api_key": [:], "cooldown": nil, "representative_claim": nil, "resets_at": nil, "seen_at": nil, "status": nil,
                "windows": [:],
            ]
        )
        document.limits.status = "allowed_warning"
        document.limits.resetsAt = 1_764_070_000
        document.limits.representativeClaim = "five_hour"
        document.limits.seenAt = 1_764_064_804
        document.limits.windows["5h"] = .init(utilization: 0.42, resetsAt: 1_764_070_000, status: "allowed_warning", seenAt: 1_764_064_804)
        document.limits.windows["7d_opus"] = .init(utilization: 0.05, seenAt: 1_764_064_700)
        document.limits.allowances["requests"] = .init(limit: 50, remaining: 49, resetsAt: 1_764_064_830, seenAt: 1_764_064_804)
        document.limits.cooldown = .init(until: 1_764_064_900, since: 1_764_064_800, reason: "the subscription's rate limit is reached", serial: 0)
        let json = try Self.json(document)
        #expect(
            json["limits"]?["windows"]?["7d_opus"] == [
                "resets_at": nil, "seen_at": "2025-11-25T09:58:20Z", "status": nil, "utilization": .double(0.05),
            ]
        )
        #expect(json["limits"]?["cooldown"]?["seconds_left"] == 95)
        #expect(json["limits"]?["cooldown"]?["until"] == "2025-11-25T10:01:40Z")
        let parsed = try StatusDocument(decoding: try document.encoded())
        #expect(parsed.limits == document.limits)
        // A cooldown that has run out is not shown.
        document.updatedAt = 1_764_065_000
        #expect(try Self.json(document)["limits"]?["cooldown"] == .null)
    }

    @Test func staysSmallWhateverTheWorldSends() throws {
        var document = Self.sample()
        let hostile = String(repeating: "x\n\u{1B}[31m", count: 200_000)
        document.reason = hostile
        document.credentials.lastRefreshError = hostile
        document.config.error = hostile
        document.control.lastResult = hostile
        document.warnings = Array(repeating: hostile, count: 100)
        // The longest ids a request file name can carry (128 characters).
        document.control.recent = (0..<1000).map {
            .init(id: String(repeating: "i", count: 124) + String($0 + 1000), action: "reload", result: hostile, at: 0)
        }
        document.listeners = (0..<4).map { _ in .init(type: "unix", path: hostile) }
        document.credentials.source = hostile
        document.config.path = hostile
        // Set directly, past the parser's cleaning and caps.
        for index in 0..<100 {
            let name = String(repeating: "w\u{1B}", count: 5000) + String(index)
            document.limits.windows[name] = .init(utilization: 1, resetsAt: 1, status: hostile, seenAt: 1)
            document.limits.allowances[name] = .init(limit: 1, remaining: 1, resetsAt: 1, seenAt: 1)
        }
        document.limits.status = hostile
        document.limits.representativeClaim = hostile
        document.limits.cooldown = .init(until: .greatestFiniteMagnitude, since: 0, reason: hostile, serial: 1)
        let bytes = try document.encoded()
        #expect(bytes.count < 64 * 1024)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("\u{1B}"))
        let parsed = try StatusDocument(decoding: bytes)
        #expect(parsed.control.recent.count == StatusDocument.maximumRecentResults)
        #expect(parsed.warnings.count == StatusDocument.maximumWarnings)
        #expect(!(parsed.reason ?? "").contains("\n"))
    }

    @Test(arguments: [
        #"{"schema":2,"state":"ready","updated_at":"2025-11-25T10:00:05Z"}"#,
        #"{"schema":1,"state":"sleeping","updated_at":"2025-11-25T10:00:05Z"}"#, #"{"schema":1,"state":"ready"}"#,
        #"{"schema":1,"state":"ready","updated_at":"yesterday"}"#, "[]", "{", "",
    ])
    func rejectsOtherDocuments(text: String) {
        #expect(throws: (any Error).self) { try StatusDocument(decoding: Array(text.utf8)) }
    }

    @Test func readsWhatItCanOfOddFields() throws {
        let text = #"""
            {"schema":1,"state":"degraded","updated_at":"2025-11-25T12:00:05+02:00","pid":"forty-two",
             "warnings":["w",7,null],"listeners":[{"type":"unix","path":"/s"}],"credentials":{"kind":"oauth","saved":"yes"},
             "control":{"recent":[{"id":"a","result":"ok","at":"2025-11-25T10:00:01.5Z"},{"id":"b"}]},"unknown":{"x":1},
             "config":{"path":"/c","checks":"many"}}
            """#
        let document = try StatusDocument(decoding: Array(text.utf8))
        #expect(document.state == .degraded)
        #expect(document.updatedAt == 1_764_064_805)
        #expect(document.pid == 0)
        #expect(document.warnings == ["w"])
        #expect(document.listeners == [.init(type: "unix", path: "/s")])
        #expect(document.credentials.kind == "oauth" && document.credentials.saved)
        #expect(document.control.recent == [.init(id: "a", action: "", result: "ok", at: 1_764_064_801.5)])
        #expect(document.config.path == "/c" && document.config.checks == 0)
    }
}

struct HealthCheckTests {
    static let now = 1_764_064_810.0

    func verdict(_ state: DaemonState, _ probe: HealthProbe, age: Double = 2, maxAge: Double = 15) -> HealthVerdict {
        HealthCheck.evaluate(
            .success(StatusDocumentTests.sample(state: state, updatedAt: Self.now - age)),
            probe: probe,
            maxAge: maxAge,
            now: Self.now
        )
    }

    @Test(arguments: [
        (DaemonState.ready, HealthProbe.ready, true), (.degraded, .ready, true), (.unauthenticated, .ready, false),
        (.starting, .ready, false), (.draining, .ready, false), (.stopped, .ready, false),
        (.ready, .live, true), (.unauthenticated, .live, true), (.starting, .live, true), (.draining, .live, true),
        (.stopped, .live, false), (.starting, .startup, false), (.unauthenticated, .startup, true), (.ready, .startup, true),
    ])
    func statesAndProbes(state: DaemonState, probe: HealthProbe, healthy: Bool) {
        #expect(verdict(state, probe).healthy == healthy)
    }

    @Test func messagesTellTheCasesApart() {
        #expect(verdict(.ready, .live, age: 60).message.hasPrefix("stale"))
        #expect(verdict(.ready, .live, age: -60).message.hasPrefix("future-dated"))
        #expect(verdict(.ready, .live, age: -3).healthy)
        #expect(verdict(.starting, .ready).message.hasPrefix("starting"))
        #expect(verdict(.stopped, .live).message.hasPrefix("stopped"))
        #expect(verdict(.unauthenticated, .ready).message.hasPrefix("unhealthy"))
        let missing = HealthCheck.evaluate(.failure(.missing("/run/status.json")), probe: .live, maxAge: 15, now: Self.now)
        #expect(!missing.healthy)
        #expect(missing.message.hasPrefix("not started"))
    }
}

struct ControlRequestTests {
    @Test func namesRoundTrip() throws {
        let request = ControlRequest(action: .refresh)
        #expect(ControlRequest(fileName: request.fileName) == request)
        #expect(ControlRequest(fileName: "reload.abc-1_2") == ControlRequest(action: .reload, id: "abc-1_2"))
    }

    @Test(arguments: [".reload.x.tmp-123", "reload", "reload.", "restart.1", "reload.a/b", "reload.a b", "refresh.x.y"])
    func othersAreIgnored(name: String) {
        #expect(ControlRequest(fileName: name) == nil)
    }

    @Test func idsAreUnique() {
        #expect(Set((0..<100).map { _ in ControlRequest.newID() }).count == 100)
    }
}
