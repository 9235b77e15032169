import Foundation
import MaximizeCore
import Synchronization
import Testing

/// The upstream's rate-limit headers through the real daemon: kept from every answer (streamed
/// or not), published in status.json and /metrics, and respected: a rejection stops upstream
/// traffic until its reset.
@Suite(.serialized, .ownThreads)
struct RateLimitTests {
    static func message(_ mock: String = "{}", stream: Bool = false) -> String {
        #"{"model":"l","max_tokens":16,"stream":\#(stream),"messages":[{"role":"user","content":"hi"}],"mock":\#(mock)}"#
    }

    static func post(_ sidecar: SidecarProcess, _ body: String) throws -> RawHTTP.Response {
        try sidecar.request("POST", "/v1/messages", headers: [("content-type", "application/json")], body: body)
    }

    /// The lines of /metrics that start with `prefix`.
    static func metrics(_ sidecar: SidecarProcess, _ prefix: String) throws -> [String] {
        try sidecar.request("GET", "/metrics").text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test func bothFamiliesFromJSONAndStreamedAnswersReachStatusAndMetrics() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let reset = (WallClock.now() + 7200).rounded(.down)
        var json = JSONObject()
        for (name, value) in MockHandler.apiKeyHeaders { json[name] = .string(value) }
        json["anthropic-ratelimit-unified-5h-utilization"] = "0.1"
        #expect(try Self.post(sidecar, Self.message(#"{"limit_headers":\#(JSONValue.object(json).jsonString)}"#)).status == 200)
        // The streamed answer carries the subscription's family; its 5h value replaces the first.
        var streamed = JSONObject()
        for (name, value) in MockHandler.subscriptionHeaders(reset: reset) { streamed[name] = .string(value) }
        let answer = try Self.post(sidecar, Self.message(#"{"limit_headers":\#(JSONValue.object(streamed).jsonString)}"#, stream: true))
        #expect(answer.status == 200)
        #expect(answer.text.contains("message_stop"))

        var limits: JSONValue?
        let seen = await ControlPlaneTests.waitForStatus(sidecar) { status in
            limits = status["limits"]
            return status["limits"]?["windows"]?["5h"]?["utilization"] == .double(0.42)
        }
        #expect(seen, "status.json limits: \(limits?.jsonString ?? "none")")
        let iso = Timestamp.iso8601(reset)
        #expect(limits?["status"] == "allowed")
        #expect(limits?["resets_at"] == .string(iso))
        #expect(limits?["representative_claim"] == "five_hour")
        #expect(limits?["seen_at"]?.stringValue != nil)
        #expect(limits?["windows"]?["5h"]?["resets_at"] == .string(iso))
        #expect(limits?["windows"]?["5h"]?["status"] == "allowed")
        #expect(limits?["windows"]?["5h"]?["seen_at"]?.stringValue != nil)
        #expect(limits?["windows"]?["7d"]?["utilization"] == .double(0.17))
        #expect(limits?["windows"]?["7d_opus"]?["utilization"] == .double(0.05))
        #expect(limits?["api_key"]?["requests"]?["limit"] == 50)
        #expect(limits?["api_key"]?["requests"]?["remaining"] == 49)
        #expect(limits?["api_key"]?["tokens"]?["remaining"] == 39000)
        #expect(limits?["api_key"]?["tokens"]?["resets_at"] == "2026-11-27T19:00:30Z")
        #expect(limits?["cooldown"] == .null)

        let lines = try Self.metrics(sidecar, "maximize_ratelimit_")
        #expect(lines.contains(#"maximize_ratelimit_utilization{window="5h"} 0.42"#), "\(lines)")
        #expect(lines.contains(#"maximize_ratelimit_utilization{window="7d_opus"} 0.05"#))
        #expect(lines.contains(#"maximize_ratelimit_reset_timestamp_seconds{window="5h"} \#(Int(reset))"#))
        #expect(lines.contains(#"maximize_ratelimit_reset_timestamp_seconds{window="overall"} \#(Int(reset))"#))
        #expect(lines.contains(#"maximize_ratelimit_status{window="5h",status="allowed"} 1"#))
        #expect(lines.contains(#"maximize_ratelimit_status{window="overall",status="allowed"} 1"#))
        #expect(lines.contains(#"maximize_ratelimit_limit{kind="requests"} 50"#))
        #expect(lines.contains(#"maximize_ratelimit_remaining{kind="tokens"} 39000"#))
        #expect(lines.contains("maximize_ratelimit_cooldown_seconds 0"))
    }

    @Test func hostileHeaderValuesStayBounded() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        var headers: [(String, String)] = [
            // A line break cannot cross HTTP/1.1 (the mock's NIO refuses to write one): quotes, braces
            // and spaces try to break out of a Prometheus label instead.
            ("anthropic-ratelimit-unified-status", "allowed\"} 1 maximize_fake{x=\"1\"} 1"),
            ("anthropic-ratelimit-unified-5h-utilization", "NaN"),
            ("anthropic-ratelimit-unified-5h-reset", "99999999999999999999"),
            ("anthropic-ratelimit-unified-5h-status", String(repeating: "z", count: 60)),
        ]
        for index in 0..<200 { headers.append(("anthropic-ratelimit-unified-w\(index)-utilization", "0.5")) }
        mock.counters.withLock { $0.limitHeaders = headers }
        #expect(try Self.post(sidecar, Self.message()).status == 200)
        #expect(try Self.post(sidecar, Self.message(stream: true)).status == 200)
        var limits: JSONValue?
        #expect(
            await ControlPlaneTests.waitForStatus(sidecar) { status in
                limits = status["limits"]
                return status["limits"]?["windows"]?["5h"] != nil
            }
        )
        #expect(limits?["windows"]?.objectValue?.members.count == 16)
        #expect(limits?["windows"]?["5h"]?["utilization"] == .null)
        #expect(limits?["windows"]?["5h"]?["resets_at"] == .null)
        #expect(limits?["windows"]?["5h"]?["status"] == .string(String(repeating: "z", count: 32)))
        #expect(limits?["status"] == "allowed___1_maximize_fake_x__1__")  // cut at 32
        let size = (try? FileManager.default.attributesOfItem(atPath: sidecar.runDirectory + "/status.json")[.size] as? Int) ?? 0
        #expect(size > 0 && size < 16 * 1024, "status.json is \(size) bytes")
        let lines = try Self.metrics(sidecar, "maximize_")
        #expect(!lines.contains { $0.hasPrefix("maximize_fake") })
        #expect(try Self.metrics(sidecar, "maximize_ratelimit_utilization{").count == 15)
    }

    @Test func aRejectedWindowStopsUpstreamTrafficUntilItsReset() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let until = (WallClock.now() + 3).rounded(.up)
        mock.counters.withLock { $0.rejectUntil = until }
        let first = try Self.post(sidecar, Self.message())
        #expect(first.status == 429)
        #expect(first.json?["error"]?["type"] == "rate_limit_error")
        #expect(mock.messageRequests.count == 1)

        // Refused locally until the reset: 429 with retry-after, nothing sent upstream.
        var local = 0
        var answered: RawHTTP.Response?
        let deadline = WallClock.now() + 30
        while WallClock.now() < deadline {
            let response = try Self.post(sidecar, Self.message())
            if response.status == 200 {
                answered = response
                break
            }
            #expect(response.status == 429)
            #expect(response.json?["error"]?["type"] == "rate_limit_error")
            let retry = Int(response.header("retry-after") ?? "") ?? 0
            #expect((1...4).contains(retry), "retry-after \(response.header("retry-after") ?? "none") \(response.headers) \(response.text)")
            local += 1
            if local == 1 {
                let lines = try Self.metrics(sidecar, "maximize_ratelimit_")
                #expect(lines.contains { $0.hasPrefix("maximize_ratelimit_cooldown_seconds ") && $0 != "maximize_ratelimit_cooldown_seconds 0" })
                #expect(lines.contains(#"maximize_ratelimit_status{window="5h",status="rejected"} 1"#))
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(answered != nil, "still refused after the reset")
        #expect(local >= 1)
        // The only request the mock refused is the first: none was sent before the reset.
        #expect(mock.counters.withLock { $0.rateLimited } == 1)
        #expect(mock.messageRequests.count == 2)
        #expect(try Self.metrics(sidecar, "maximize_ratelimit_local_rejections_total").first == "maximize_ratelimit_local_rejections_total \(local)")
        #expect(sidecar.log.contains("answering 429 locally until the reset"))
    }

    @Test func anAbsurdRetryAfterIsCappedByMaxCooldownSeconds() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0},"limits":{"max_cooldown_seconds":2}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        // 18 days, as one peer once honoured until restarted.
        let refused = try Self.post(sidecar, Self.message(#"{"status":429,"error_type":"rate_limit_error","retry_after":1555200}"#))
        #expect(refused.status == 429)
        let local = try Self.post(sidecar, Self.message())
        #expect(local.status == 429)
        #expect(Int(local.header("retry-after") ?? "") ?? 99 <= 2)
        #expect(mock.messageRequests.count == 1)
        var passed = false
        let deadline = WallClock.now() + 30
        while WallClock.now() < deadline, !passed {
            try await Task.sleep(for: .milliseconds(200))
            passed = try Self.post(sidecar, Self.message()).status == 200
        }
        #expect(passed, "the cooldown did not end at the cap")
        #expect(sidecar.log.contains("limits.max_cooldown_seconds"))
    }

    /// `retry-after` may be an HTTP date (RFC 9110): the cooldown runs until then.
    @Test func aRetryAfterDateStartsTheCooldownUntilThatDate() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(config: #"{"server":{"drain_grace_seconds":0}}"#, upstream: mock.baseURL)
        defer { sidecar.stop() }
        let at = (WallClock.now() + 600).rounded(.down)
        let date = Date(timeIntervalSince1970: at).formatted(
            Date.VerbatimFormatStyle(
                format:
                    "\(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .padded(4)) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) GMT",
                locale: Locale(identifier: "en_US_POSIX"),
                timeZone: TimeZone(identifier: "GMT")!,
                calendar: Calendar(identifier: .gregorian)
            )
        )
        let refused = try Self.post(sidecar, Self.message(#"{"status":429,"error_type":"rate_limit_error","retry_after":"\#(date)"}"#))
        #expect(refused.status == 429)
        let local = try Self.post(sidecar, Self.message())
        #expect(local.status == 429)
        let wait = Int(local.header("retry-after") ?? "") ?? 0
        #expect(wait > 500 && wait <= 600, "retry-after \(wait) for \(date)")
        #expect(mock.messageRequests.count == 1)
    }

    /// The cooldown is for the credentials the upstream refused: a login or a new key (here
    /// `tokens.json` replaced, as `maxctl login` does) ends it, and the next request goes upstream.
    @Test func newCredentialsEndTheCooldown() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(config: #"{"server":{"drain_grace_seconds":0}}"#, upstream: mock.baseURL)
        defer { sidecar.stop() }
        #expect(try Self.post(sidecar, Self.message(#"{"status":429,"error_type":"rate_limit_error","retry_after":600}"#)).status == 429)
        #expect(try Self.post(sidecar, Self.message()).status == 429)
        #expect(mock.messageRequests.count == 1)

        let replacement = sidecar.tokenFile + ".new"
        try #"{"api_key":"sk-ant-api-another-key-9876543210"}"#.write(toFile: replacement, atomically: false, encoding: .utf8)
        #expect(chmod(replacement, 0o600) == 0)
        #expect(rename(replacement, sidecar.tokenFile) == 0)
        #expect(await LogFormatTests.waitForLine(sidecar, "the local rate-limit cooldown ends"))
        let answered = try Self.post(sidecar, Self.message())
        #expect(answered.status == 200)
        #expect(mock.messageRequests.count == 2)
        #expect(mock.messageRequests.last?.header("x-api-key") == "sk-ant-api-another-key-9876543210")
    }

    @Test func withoutLocalCooldownRequestsStillGoUpstream() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0},"limits":{"local_cooldown":false}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        mock.counters.withLock { $0.rejectUntil = WallClock.now() + 600 }
        #expect(try Self.post(sidecar, Self.message()).status == 429)
        #expect(try Self.post(sidecar, Self.message()).status == 429)
        #expect(mock.counters.withLock { $0.rateLimited } == 2)
        // The rejection is still shown; only the local answers are off.
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["limits"]?["windows"]?["5h"]?["status"] == "rejected" })
        #expect(ControlPlaneTests.statusJSON(sidecar)?["limits"]?["cooldown"] == .null)
        #expect(try Self.metrics(sidecar, "maximize_ratelimit_cooldown_seconds").first == "maximize_ratelimit_cooldown_seconds 0")
    }

    /// The official SDK as the client: the limits it is told about reach status.json and
    /// /metrics, and during a cooldown it gets a `RateLimitError` with `retry-after` from maximize.
    @Test func anthropicSDKSeesLimitsAndALocalRefusal() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let reset = (WallClock.now() + 3600).rounded(.down)
        var headers = JSONObject()
        for (name, value) in MockHandler.subscriptionHeaders(reset: reset, status: "allowed_warning", utilization: 0.91) {
            headers[name] = .string(value)
        }
        // Requests after the two that carry the headers are refused for the next minute.
        mock.counters.withLock { $0.rejectAfter = (count: 2, until: (WallClock.now() + 60).rounded(.up)) }
        let output = try await SDKTests.runPython("anthropic_sdk_limits.py", [sidecar.socketPath, JSONValue.object(headers).jsonString])
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(result["create"]?["text"] == "Hello from the mock.")
        #expect(result["create"]?["utilization"] == "0.91")
        #expect(result["stream"] == "word0 word1 word2 word3 word4 ")
        let refusals = result["refusals"]?.arrayValue ?? []
        #expect(refusals.count == 2)
        #expect(refusals.first?["status"] == 429)
        #expect(refusals.first?["local"] == false)
        #expect(refusals.last?["status"] == 429)
        #expect(refusals.last?["type"] == "rate_limit_error")
        #expect(refusals.last?["local"] == true)
        #expect((Int(refusals.last?["retry_after"]?.stringValue ?? "") ?? 0) > 0)
        #expect(mock.counters.withLock { $0.rateLimited } == 1)

        #expect(
            await ControlPlaneTests.waitForStatus(sidecar) { status in
                status["limits"]?["windows"]?["5h"]?["status"] == "rejected" && status["limits"]?["cooldown"]?["reason"] != nil
            }
        )
        #expect(sidecar.log.contains("rate limit window 5h is close to its limit (allowed_warning)"))
        let lines = try Self.metrics(sidecar, "maximize_ratelimit_")
        #expect(lines.contains(#"maximize_ratelimit_status{window="5h",status="rejected"} 1"#), "\(lines)")
        #expect(lines.contains("maximize_ratelimit_local_rejections_total 1"))
    }
}
