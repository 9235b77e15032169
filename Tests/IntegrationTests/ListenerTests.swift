import Foundation
import MaximizeCore
import Testing

/// The socket, back-pressure, logging and start-up behaviour of the real daemon.
@Suite(.serialized, .ownThreads)
struct ListenerTests {
    /// A memory figure of `/proc/PID/status` in kB: `VmRSS` (resident now) or `VmHWM` (its peak).
    static func residentKilobytes(_ pid: Int32, field: String = "VmRSS") -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    @Test func socketHasTheConfiguredModeAndStaleSocketsAreReplaced() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let first = try await SidecarProcess(upstream: mock.baseURL)
        var info = stat()
        #expect(stat(first.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        // A second daemon must not steal a live socket.
        let second = try await SidecarProcess(
            upstream: mock.baseURL,
            arguments: ["--socket", first.socketPath],
            waitForSocket: false
        )
        #expect(await second.waitForExit() == 1)
        #expect(second.log.contains("another process is serving"))
        #expect(try first.request("GET", "/healthz").status == 200)
        // A socket left behind by a killed daemon is reclaimed.
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: first.socketPath))
        let third = try await SidecarProcess(
            upstream: mock.baseURL,
            arguments: ["--socket", first.socketPath]
        )
        defer { third.stop() }
        #expect(try RawHTTP.send(RawHTTP.connect(unixPath: first.socketPath), method: "GET", path: "/healthz").status == 200)
    }

    @Test func slowClientPausesTheUpstreamAndMemoryStaysBounded() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"stream":true,"messages":[]}"#)
        let before = Self.residentKilobytes(sidecar.process.processIdentifier)
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        // About 40 MB of events, far more than socket buffers hold.
        try connection.send(
            RawHTTP.requestBytes(
                method: "POST",
                path: "/v1/messages",
                headers: [],
                body: Array(#"{"stream":true,"messages":[],"mock":{"events":4000,"pad":10000}}"#.utf8)
            )
        )
        try await Task.sleep(for: .seconds(2))
        let during = Self.residentKilobytes(sidecar.process.processIdentifier)
        #expect(during - before < 16_000, "RSS grew from \(before) kB to \(during) kB while the client did not read")
        let response = try RawHTTP.readResponse(connection)
        #expect(response.status == 200)
        #expect(response.text.components(separatedBy: "event: content_block_delta").count - 1 == 4000)
        #expect(response.text.hasSuffix("data: {\"type\":\"message_stop\"}\n\n"))
    }

    @Test func debugLogsDescribeRequestsWithoutCredentials() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            tokens: ProxyTests.oauthTokens,
            upstream: mock.baseURL,
            arguments: ["--debug"]
        )
        defer { sidecar.stop() }
        _ = try sidecar.request(
            "POST",
            "/v1/messages",
            headers: [("x-api-key", "client-secret-key")],
            body: #"{"model":"xl","messages":[]}"#
        )
        try await Task.sleep(for: .milliseconds(200))
        let log = sidecar.log
        #expect(log.contains("model.requested=xl"))
        #expect(log.contains("model=claude-opus-4-8"))
        #expect(log.contains("oauth-2025-04-20"))
        #expect(log.contains("status=200"))
        #expect(log.contains("bytes.out="))
        for secret in ["sk-ant-oat-access-abcdef", "sk-ant-ort-refresh-ghijkl", "client-secret-key", "access-abc", "refresh-ghi"] {
            #expect(!log.contains(secret))
        }
        let status = try sidecar.request("GET", "/auth/status")
        #expect(status.json?["kind"]?.stringValue == "oauth")
        #expect(status.json?["has_refresh_token"]?.boolValue == true)
        #expect(!status.text.contains("abcdef") && !status.text.contains("ghijkl"))
    }

    @Test func nicknamesTheUpstreamDoesNotListAreWarnedAbout() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        // The mock lists claude-sonnet-5, claude-sonnet-4-6 and claude-haiku-4-5 only.
        var log = ""
        for _ in 0..<100 {
            log = sidecar.log
            if log.contains("nickname xxl") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(log.contains("nickname xxl maps to claude-opus-5"))
        #expect(!log.contains("nickname l maps"))
        #expect(!log.contains("nickname xs maps"))
    }

    @Test func unusableSocketPathsAreClearErrorsBeforeBinding() async throws {
        let root = SidecarProcess.makeTemporaryDirectory()
        let regular = root + "/not-a-socket"
        try "x".write(toFile: regular, atomically: true, encoding: .utf8)
        let long = root + "/" + String(repeating: "d", count: 120) + ".sock"
        for (path, message) in [(regular, "is not a socket"), (root, "is a directory"), (long, "the kernel allows 107")] {
            let sidecar = try await SidecarProcess(upstream: nil, arguments: ["--socket", path], waitForSocket: false)
            #expect(await sidecar.waitForExit() == 1)
            #expect(sidecar.log.contains(message), "\(sidecar.log)")
        }
        #expect(try String(contentsOfFile: regular, encoding: .utf8) == "x")
    }

    @Test func socketDirectoryIsCreatedWhenMissing() async throws {
        let root = SidecarProcess.makeTemporaryDirectory()
        let path = root + "/deep/er/maximize.sock"
        let sidecar = try await SidecarProcess(upstream: nil, arguments: ["--socket", path])
        defer { sidecar.stop() }
        #expect(try RawHTTP.send(RawHTTP.connect(unixPath: path), method: "GET", path: "/healthz").status == 200)
    }
}
