import Foundation
import MaximizeCore
import Synchronization
import Testing

/// `server.log_format` and `server.access_log` on the real daemon: what it writes on stderr over a
/// whole run, parsed line by line as a log pipeline would.
@Suite(.ownThreads) struct LogFormatTests {
    /// Each line of `log` as a JSON object; a line that is not one, or lacks a fixed field, is
    /// recorded as an issue.
    static func jsonLines(_ log: String) -> [[String: Any]] {
        var objects: [[String: Any]] = []
        for line in log.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                Issue.record("not a JSON object: \(line)")
                continue
            }
            let time = object["time"] as? String ?? ""
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil, "time: \(line)")
            #expect(["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(object["level"] as? String ?? ""))
            #expect(object["message"] is String, "message: \(line)")
            #expect(object["logger"] as? String == "maximize", "logger: \(line)")
            objects.append(object)
        }
        return objects
    }

    static func access(_ objects: [[String: Any]]) -> [[String: Any]] {
        objects.filter { $0["message"] as? String == "access" }
    }

    /// Waits until the log has a line whose message is `message`.
    static func waitForLine(_ sidecar: SidecarProcess, _ message: String, timeout: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if sidecar.log.contains(message) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return sidecar.log.contains(message)
    }

    static let hello = #"{"model":"s","max_tokens":5,"messages":[{"role":"user","content":"a private prompt"}]}"#

    @Test func everyLineOfAMixedRunIsJSONWithOneAccessLinePerRequestAndNoSecret() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let (access, refresh) = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        let config = #"{"server":{"drain_grace_seconds":0,"log_format":"json"}}"#
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: access, refresh: refresh, expiresIn: 3600),
            config: config,
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        func post(_ path: String, _ body: String) throws -> Int { try sidecar.request("POST", path, body: body).status }
        #expect(try post("/v1/messages", Self.hello) == 200)
        #expect(try post("/v1/messages", #"{"model":"m","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#) == 200)
        #expect(try post("/v1/messages", #"{"model": "s", oops"#) == 400)
        #expect(try post("/v1/messages", #"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}],"mock":{"reset_before_head":true}}"#) == 502)
        #expect(try post("/v1/messages", #"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}],"mock":{"status":500}}"#) == 500)
        #expect(try post("/v1/messages/count_tokens", #"{"model":"s","messages":[{"role":"user","content":"hi"}]}"#) == 200)
        #expect(try sidecar.request("GET", "/v1/models").status == 200)
        #expect(try post("/v1/chat/completions", #"{"model":"xs","messages":[{"role":"user","content":"hi"}]}"#) == 200)
        // The upstream stops taking the access token: one forced refresh, then the retry.
        mock.counters.withLock { _ = $0.validAccessTokens.remove(access) }
        #expect(try post("/v1/messages", Self.hello) == 200)
        // A model name no pipeline expects: quotes, a newline, a bell, a line separator.
        #expect(try post("/v1/messages", #"{"model":"evil\"\n\u0007\u2028name","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#) == 200)
        #expect(try sidecar.request("GET", "/healthz").status == 200)

        try #"{"server":{"drain_grace_seconds":0,"log_format":"json"},"models":{"default":"xs"}}"#
            .write(toFile: sidecar.stateDirectory + "/config.json", atomically: true, encoding: .utf8)
        kill(sidecar.process.processIdentifier, SIGHUP)
        #expect(await Self.waitForLine(sidecar, "configuration reloaded"))
        #expect(try post("/v1/messages", #"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#) == 200)
        sidecar.stop()
        #expect(sidecar.process.terminationStatus == 0)

        let objects = Self.jsonLines(sidecar.log)
        let messages = objects.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.hasPrefix("maximize") && $0.hasSuffix("ready") })
        #expect(messages.contains("configuration reloaded"))
        #expect(messages.last == "stopped")
        let lines = Self.access(objects)
        func field(_ key: String) -> [String] {
            lines.map { line in line[key].map { "\($0)" } ?? "-" }
        }
        #expect(
            field("route") == [
                "/v1/messages", "/v1/messages", "/v1/messages", "/v1/messages", "/v1/messages", "/v1/messages/count_tokens",
                "/v1/models", "/v1/chat/completions", "/v1/messages", "/v1/messages", "/v1/messages",
            ]
        )
        #expect(field("status") == ["200", "200", "400", "502", "500", "200", "200", "200", "200", "200", "200"])
        try #require(lines.count == 11)
        #expect(field("model") == ["s", "m", "-", "-", "-", "s", "-", "xs", "s", "evil\"\\n\\u{7}\\u{2028}name", "-"])
        #expect(
            field("model_upstream").prefix(3) == [Defaults.nicknames["s"]!, Defaults.nicknames["m"]!, "-"]
        )
        #expect(field("model_upstream").last == Defaults.nicknames["xs"])
        #expect(field("request_id").prefix(5) == ["req_mock", "req_mock_stream", "-", "-", "req_mock_error"])
        #expect(field("retry_reasons")[8] == "refresh")
        #expect(field("error")[2] == "invalid_request_error")
        #expect(field("error")[3] == "api_error")
        #expect(field("reason")[3].contains("upstream") == true)
        let first = try #require(lines.first)
        #expect(first["stream"] as? Bool == false)
        #expect(lines[1]["stream"] as? Bool == true)
        #expect((first["input_tokens"] as? NSNumber)?.intValue == 10)
        #expect((first["output_tokens"] as? NSNumber)?.intValue == 5)
        #expect((first["bytes_in"] as? NSNumber)?.intValue == Self.hello.utf8.count)
        #expect(((first["bytes_out"] as? NSNumber)?.intValue ?? 0) > 0)
        #expect(first["duration_ms"] is NSNumber)
        #expect(first["client_gone"] as? Bool == false)

        // Neither the tokens it started with nor those the refresh issued, nor the prompt.
        let secrets = mock.counters.withLock { Array($0.validAccessTokens) + Array($0.validRefreshTokens) } + [access, refresh]
        #expect(secrets.count >= 4)
        for secret in secrets { #expect(!sidecar.log.contains(secret), "a token is in the log") }
        #expect(!sidecar.log.contains("private prompt"))
    }

    @Test func textStaysTheDefaultAndAReloadSwitchesToJSONWithoutAccessLines() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        #expect(try sidecar.request("POST", "/v1/messages", body: Self.hello).status == 200)
        #expect(await Self.waitForLine(sidecar, "] access"))
        let text = sidecar.log
        #expect(text.split(separator: "\n").allSatisfy { !$0.hasPrefix("{") })
        let accessLine = try #require(text.split(separator: "\n").first { $0.hasSuffix("] access") })
        #expect(accessLine.contains(" info maximize: "))
        #expect(accessLine.contains("status=200"))
        #expect(accessLine.contains("model=s "))
        #expect(accessLine.contains("route=/v1/messages "))

        try #"{"server":{"drain_grace_seconds":0,"log_format":"json","access_log":false}}"#
            .write(toFile: sidecar.stateDirectory + "/config.json", atomically: true, encoding: .utf8)
        #expect(await Self.waitForLine(sidecar, #""message":"configuration reloaded""#))
        #expect(try sidecar.request("POST", "/v1/messages", body: Self.hello).status == 200)
        #expect(try sidecar.request("POST", "/v1/messages", body: "{").status == 400)
        sidecar.stop()
        // From the reload on (a background check may still write text lines before it).
        let log = sidecar.log
        let reloaded = try #require(
            log.range(
                of: #"{"time""#,
                options: .backwards,
                range: log.startIndex..<(log.range(of: #""message":"configuration reloaded""#)?.lowerBound ?? log.endIndex)
            )
        )
        let objects = Self.jsonLines(String(log[reloaded.lowerBound...]))
        #expect(objects.contains { $0["message"] as? String == "stopped" })
        #expect(Self.access(objects).isEmpty)
        #expect(mock.messageRequests.count == 2)
    }

    @Test(arguments: [
        (["--log-format", "json"], [String: String]()),
        ([], ["MAXIMIZE_LOG_FORMAT": "json"]),
    ])
    func aStartUpFailureIsAJSONLineWhenAskedBeforeTheConfigurationIsRead(arguments: [String], environment: [String: String]) async throws {
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"port":"eighty"}}"#,
            upstream: nil,
            environment: environment,
            arguments: arguments,
            waitForSocket: false
        )
        #expect(await sidecar.waitForExit(timeout: 20) == 1)
        let objects = Self.jsonLines(sidecar.log)
        let failure = try #require(objects.last)
        #expect(failure["level"] as? String == "critical")
        #expect((failure["message"] as? String)?.contains("server.port") == true)
    }
}
