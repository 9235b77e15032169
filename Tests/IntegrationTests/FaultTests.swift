import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Upstream faults and hostile clients: the right answer for each, and a daemon that keeps serving.
@Suite(.serialized, .ownThreads)
struct FaultTests {
    static let quickTimeouts = #"{"server":{"drain_grace_seconds":0,"read_timeout_seconds":0.5}}"#

    @Test func upstreamResetBeforeHeadersIs502() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let response = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"mock":{"reset_before_head":true}}"#)
        #expect(response.status == 502)
        #expect(response.json?["error"]?["type"] == "api_error")
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    @Test func upstreamResetMidStreamEndsWithAnErrorEvent() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let response = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"stream":true,"messages":[],"mock":{"events":5,"reset_after_events":3}}"#
        )
        #expect(response.status == 200)
        let text = response.text
        #expect(text.contains("content_block_start"))
        #expect(!text.contains("message_stop"))
        #expect(text.hasSuffix("\n\n"))
        let last = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.last ?? ""
        #expect(last.hasPrefix("event: error\ndata: "))
        #expect(last.contains(#""type":"api_error""#))
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
    }

    @Test func malformedEventsPassThroughUntouched() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let garbage = "data: {not json\\n\\nevent: ???\\n\\n"
        let response = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"stream":true,"messages":[],"mock":{"raw_sse":"\#(garbage)"}}"#
        )
        #expect(response.status == 200)
        #expect(response.text == "data: {not json\n\nevent: ???\n\n")
    }

    @Test func untrustedUpstreamCertificateIs502() async throws {
        let certificate = try TestCertificate(directory: SidecarProcess.makeTemporaryDirectory())
        let port = RawHTTP.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate.certificate, "-key", certificate.key, "-www", "-quiet",
        ]
        server.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        server.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        for _ in 0..<100 where (try? RawHTTP.connect(port: port)) == nil { try await Task.sleep(for: .milliseconds(20)) }
        let sidecar = try await SidecarProcess(upstream: "https://127.0.0.1:\(port)")
        defer { sidecar.stop() }
        let response = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(response.status == 502)
        let message = response.json?["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("TLS"))
        #expect(message.contains("api.ca_file"))
    }

    @Test func slowClientsAreCutOffAndTheDaemonKeepsServing() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(config: Self.quickTimeouts, upstream: mock.baseURL)
        defer { sidecar.stop() }
        // Headers that never finish (slowloris).
        let headers = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try headers.send(Array("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: appl".utf8))
        // A body that never finishes: told so, then disconnected.
        let body = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try body.send(Array("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"mess".utf8))
        // An idle kept-alive connection.
        let idle = try RawHTTP.connect(unixPath: sidecar.socketPath)
        #expect(try RawHTTP.send(idle, method: "GET", path: "/healthz").status == 200)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try headers.receive().isEmpty)
        let answer = String(decoding: try body.receive(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 400"))
        #expect(answer.contains("read_timeout_seconds"))
        #expect(try idle.receive().isEmpty)
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
    }

    @Test func thousandsOfIdleConnectionsDoNotStopService() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        var connections: [RawHTTP.Connection] = []
        for _ in 0..<2000 { connections.append(try RawHTTP.connect(unixPath: sidecar.socketPath)) }
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
        #expect(ListenerTests.residentKilobytes(sidecar.process.processIdentifier) < 200_000)
        connections.removeAll()
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    @Test func oddPathsHugeHeadersAndPipelining() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        for path in ["/v1/../healthz", "/v1/messages/../../etc/passwd", "//v1//messages", "/%2e%2e/healthz"] {
            let response = try sidecar.request("GET", path)
            #expect(response.status == 404, "\(path)")
            #expect(response.json?["error"]?["type"] == "not_found_error")
        }
        // A header far over any sane size: refused, the daemon carries on.
        let huge = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try huge.send(Array("GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: \(String(repeating: "a", count: 200_000))\r\n\r\n".utf8))
        let refused = String(decoding: (try? huge.receive()) ?? [], as: UTF8.self)
        #expect(refused.isEmpty || refused.hasPrefix("HTTP/1.1 4"))
        // Two requests written back to back on one connection get two answers, in order.
        let pipelined = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try pipelined.send(
            RawHTTP.requestBytes(method: "POST", path: "/v1/messages/count_tokens", headers: [], body: Array(#"{"messages":[]}"#.utf8))
                + RawHTTP.requestBytes(method: "GET", path: "/healthz", headers: [], body: nil)
        )
        let first = try RawHTTP.readResponse(pipelined)
        let second = try RawHTTP.readResponse(pipelined)
        #expect(first.json == ["input_tokens": 42])
        #expect(second.json == ["status": "ok"])
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    @Test func secretsAppearNowhere() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let access = "sk-ant-oat01-SECRETACCESS-0123456789abcdef"
        let refresh = "sk-ant-ort01-SECRETREFRESH-0123456789abcdef"
        let inbound = "local-inbound-key-SECRETINBOUND-42"
        mock.counters.withLock {
            $0.validAccessTokens.insert(access)
            $0.validRefreshTokens.insert(refresh)
        }
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: access, refresh: refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock).merging(["MAXIMIZE_API_KEY": inbound]) { $1 },
            arguments: ["--debug", "--port", String(RawHTTP.freePort())]
        )
        defer { sidecar.stop() }
        var outputs: [String] = []
        let key = [("x-api-key", inbound)]
        outputs.append(try sidecar.request("POST", "/v1/messages", headers: key, body: #"{"messages":[]}"#).text)
        outputs.append(try sidecar.request("POST", "/v1/messages", headers: key, body: #"{"messages":[}"#).text)
        outputs.append(try sidecar.request("POST", "/v1/messages", headers: [("x-api-key", "wrong")], body: "{}").text)
        outputs.append(try sidecar.request("POST", "/v1/messages", headers: key, body: #"{"messages":[],"mock":{"status":500}}"#).text)
        outputs.append(try sidecar.request("POST", "/v1/chat/completions", headers: key, body: #"{"messages":[]}"#).text)
        outputs.append(try sidecar.request("GET", "/auth/status").text)
        outputs.append(try sidecar.request("GET", "/readyz").text)
        outputs.append(try sidecar.request("GET", "/metrics").text)
        let environment = sidecar.maxctlEnvironment
        #expect(try await Maxctl.run(["refresh"], environment: environment).status == 0)
        for command in [["status"], ["status", "--json"], ["health"], ["config"], ["models"]] {
            let result = try await Maxctl.run(command, environment: environment.merging(["MAXIMIZE_API_KEY": inbound]) { $1 })
            outputs.append(result.stdout + result.stderr)
        }
        outputs.append(try String(contentsOfFile: sidecar.runDirectory + "/status.json", encoding: .utf8))
        try await Task.sleep(for: .milliseconds(300))
        outputs.append(sidecar.log)
        let rotated = try #require(try RefreshTests.readToken(sidecar.tokenFile))
        let secrets = [access, refresh, inbound, rotated.accessToken.value, rotated.refreshToken?.value ?? "unset"]
        for secret in secrets {
            // Any 12-character piece of a secret's distinctive tail would be a leak.
            let tail = Array(secret.dropFirst(13))
            for start in stride(from: 0, to: max(1, tail.count - 12), by: 4) {
                let piece = String(tail[start..<min(tail.count, start + 12)])
                for output in outputs { #expect(!output.contains(piece), "a piece of a secret leaked: \(piece)") }
            }
        }
        // Files carry the contract's modes.
        func mode(_ path: String) -> Int {
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(mode(sidecar.tokenFile) == 0o600)
        #expect(mode(sidecar.socketPath) == 0o660)
    }

    static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func thousandsOfFaultedRequestsLeakNothing() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let faults = [
            #"{"messages":[],"mock":{"reset_before_head":true}}"#,
            #"{"stream":true,"messages":[],"mock":{"events":4,"reset_after_events":2}}"#,
            #"{"messages":[],"mock":{"status":503}}"#,
            #"{"messages":[],"mock":{"status":529,"error_type":"overloaded_error"}}"#,
            #"{"messages":[}"#,
            #"{"stream":true,"messages":[]}"#,
        ]
        func round(_ count: Int) throws {
            for index in 0..<count {
                let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
                _ = try? RawHTTP.send(connection, method: "POST", path: "/v1/messages", body: Array(faults[index % faults.count].utf8))
            }
        }
        try round(300)  // warm up: caches, connection pools, lazily created state
        try await Task.sleep(for: .milliseconds(300))
        let pid = sidecar.process.processIdentifier
        let descriptorsBefore = Self.openDescriptors(pid)
        let memoryBefore = ListenerTests.residentKilobytes(pid)
        try round(3000)
        try await Task.sleep(for: .milliseconds(500))
        let descriptorsAfter = Self.openDescriptors(pid)
        let memoryAfter = ListenerTests.residentKilobytes(pid)
        #expect(descriptorsAfter <= descriptorsBefore + 4, "descriptors \(descriptorsBefore) -> \(descriptorsAfter)")
        #expect(memoryAfter - memoryBefore < 8_000, "RSS \(memoryBefore) kB -> \(memoryAfter) kB")
        #expect(try sidecar.request("GET", "/healthz").status == 200)
        // Every request was counted out again (status.json is rewritten every 2 s).
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["requests"]?["in_flight"] == 0 })
    }
}
