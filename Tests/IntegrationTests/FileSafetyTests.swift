import Foundation
import MaximizeCore
import Testing

/// Nothing blocks on what lies at a path: FIFOs (and symlinks to them) in place of
/// `tokens.json`, `config.json` and `status.json`, with the real binaries.
@Suite(.serialized, .ownThreads)
struct FileSafetyTests {
    static let quickConfig = #"{"server":{"drain_grace_seconds":0}}"#

    /// A state dir whose `name` is a FIFO (made before the daemon starts).
    static func stateDirectory(withFIFOAt name: String) throws -> String {
        let state = SidecarProcess.makeTemporaryDirectory() + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        #expect(mkfifo(state + "/" + name, 0o600) == 0)
        return state
    }

    /// Replaces `path` with a FIFO in one rename, as a careless deployment might.
    static func swapInFIFO(at path: String) {
        let temporary = path + ".fifo-tmp"
        #expect(mkfifo(temporary, 0o600) == 0)
        #expect(rename(temporary, path) == 0)
    }

    /// One request on a new connection that gives up after `seconds` (a blocked event loop fails it).
    static func quickRequest(_ sidecar: SidecarProcess, _ path: String, seconds: Int = 3) throws -> RawHTTP.Response {
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return try RawHTTP.send(connection, method: "GET", path: path)
    }

    /// Every one of `count` new connections is answered (with several event loops, a blocked one
    /// takes its share of new connections).
    static func expectEveryConnectionAnswered(_ sidecar: SidecarProcess, count: Int = 16) {
        for index in 0..<count {
            let status = (try? quickRequest(sidecar, "/healthz"))?.status
            #expect(status == 200, "connection \(index) to /healthz got no answer")
        }
    }

    @Test func daemonStartsAndServesWithAFIFOForTokens() async throws {
        let state = try Self.stateDirectory(withFIFOAt: "tokens.json")
        let sidecar = try await SidecarProcess(tokens: nil, config: Self.quickConfig, upstream: nil, stateDirectory: state)
        defer { sidecar.stop() }
        let ready = try Self.quickRequest(sidecar, "/readyz")
        #expect(ready.status == 503)
        let reason = ready.json?["reason"]?.stringValue ?? ""
        #expect(reason.contains(sidecar.tokenFile))
        #expect(reason.contains("FIFO"))
        Self.expectEveryConnectionAnswered(sidecar)
        #expect(try Self.quickRequest(sidecar, "/auth/status").status == 200)
        #expect(try Self.quickRequest(sidecar, "/metrics").status == 200)
        #expect(sidecar.log.contains(sidecar.tokenFile))
        #expect(sidecar.log.contains("FIFO"))
    }

    @Test func fifosSwappedInAtRuntimeKeepTheLastGood() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let config = #"{"server":{"drain_grace_seconds":0},"models":{"nicknames":{"zz":"model-kept"}}}"#
        let sidecar = try await SidecarProcess(config: config, upstream: mock.baseURL)
        defer { sidecar.stop() }
        let environment = sidecar.maxctlEnvironment

        Self.swapInFIFO(at: sidecar.tokenFile)
        try await Task.sleep(for: .milliseconds(400))  // the watcher's reload runs
        #expect(try Self.quickRequest(sidecar, "/readyz").status == 200)
        Self.expectEveryConnectionAnswered(sidecar)
        let reload = try await BoundedRun.maxctl(["reload", "--timeout", "8"], environment: environment, seconds: 15)
        #expect(reload.status == 1)
        #expect(!reload.killed)
        #expect(reload.stderr.contains(sidecar.tokenFile))
        #expect(reload.stderr.contains("FIFO"))
        // The last good credential still serves.
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"model":"zz","messages":[]}"#)
        #expect(mock.messageRequests.last?.header("x-api-key") == "sk-ant-api-test-key-0123456789")

        let configPath = sidecar.stateDirectory + "/config.json"
        Self.swapInFIFO(at: configPath)
        let again = try await BoundedRun.maxctl(["reload", "--timeout", "8"], environment: environment, seconds: 15)
        #expect(again.status == 1)
        #expect(!again.killed)
        #expect(again.stderr.contains(configPath))
        let status = try JSONParser.parse(Array(FileManager.default.contents(atPath: sidecar.runDirectory + "/status.json") ?? Data()))
        #expect(status["config"]?["error"]?.stringValue?.contains("FIFO") == true)
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"model":"zz","messages":[]}"#)
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "model-kept")
        Self.expectEveryConnectionAnswered(sidecar)
    }

    @Test func fifoForConfigAtStartExitsPromptlyNamingIt() async throws {
        let state = try Self.stateDirectory(withFIFOAt: "config.json")
        let sidecar = try await SidecarProcess(tokens: nil, upstream: nil, stateDirectory: state, waitForSocket: false)
        defer { sidecar.stop() }
        let status = await sidecar.waitForExit(timeout: 10)
        #expect(status == 1)
        #expect(sidecar.log.contains(state + "/config.json"))
        #expect(sidecar.log.contains("FIFO"))
    }

    /// `maxctl` commands exit 1 promptly, naming the path, when status.json or config.json is a
    /// FIFO or a symlink to one (they used to hang whatever `--timeout` said).
    @Test(arguments: [false, true])
    func maxctlRefusesFIFOsPromptly(throughSymlink: Bool) throws {
        let root = SidecarProcess.makeTemporaryDirectory()
        let state = root + "/state"
        let run = state + "/run"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        #expect(mkfifo(root + "/pipe", 0o600) == 0)
        func plant(_ path: String) throws {
            try? FileManager.default.removeItem(atPath: path)
            if throughSymlink {
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: root + "/pipe")
            } else {
                #expect(mkfifo(path, 0o600) == 0)
            }
        }
        let environment = ["MAXIMIZE_STATE_DIR": state, "MAXIMIZE_RUN_DIR": run]
        let checks: [(file: String, commands: [[String]])] = [
            (run + "/status.json", [["health"], ["status"], ["reload", "--timeout", "30"], ["refresh", "--timeout", "30"]]),
            (state + "/config.json", [["config"], ["config", "--check"], ["models"], ["refresh", "--timeout", "30"]]),
        ]
        for (file, commands) in checks {
            try plant(file)
            for command in commands {
                let result = try BoundedRun.maxctl(command, environment: environment, seconds: 10)
                let name = "maxctl \(command.joined(separator: " "))"
                // Killed at 10 s: a command that waited for its 30 s timeout, or for ever, fails.
                #expect(!result.killed, "\(name) hung")
                #expect(result.status == 1, "\(name): \(result.stderr)")
                #expect(result.stderr.contains(file), "\(name): \(result.stderr)")
            }
            try FileManager.default.removeItem(atPath: file)
        }
    }
}
