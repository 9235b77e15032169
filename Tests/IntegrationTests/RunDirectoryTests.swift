import Foundation
import MaximizeCore
import Testing

/// One daemon per run dir, and a dead daemon seen at once by `maxctl`.
@Suite(.serialized, .ownThreads)
struct RunDirectoryTests {
    /// What must stay exactly as it was: bytes, inode and modification time.
    struct Snapshot: Equatable {
        var bytes: Data?
        var inode: UInt64
        var modified: Int
        var modifiedNanoseconds: Int

        init(_ path: String) {
            var info = stat()
            if lstat(path, &info) == 0 {
                inode = UInt64(info.st_ino)
                modified = info.st_mtim.tv_sec
                modifiedNanoseconds = info.st_mtim.tv_nsec
            } else {
                (inode, modified, modifiedNanoseconds) = (0, 0, 0)
            }
            bytes = (info.st_mode & S_IFMT) == S_IFREG ? FileManager.default.contents(atPath: path) : nil
        }
    }

    static func snapshot(_ sidecar: SidecarProcess) -> [String: Snapshot] {
        let run = sidecar.runDirectory
        var result: [String: Snapshot] = [:]
        for path in [run, run + "/status.json", run + "/maximize.lock", run + "/control", sidecar.socketPath, sidecar.stateDirectory] {
            result[path] = Snapshot(path)
        }
        result["entries"] = Snapshot(run)
        result["entries"]?.bytes = Data(((try? FileManager.default.contentsOfDirectory(atPath: run)) ?? []).sorted().joined(separator: "\n").utf8)
        return result
    }

    /// Waits (bounded) until every thread of `pid` is stopped (state `T` in /proc).
    static func waitUntilStopped(_ pid: Int32) async -> Bool {
        for _ in 0..<1000 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let stopped =
                !tasks.isEmpty
                && tasks.allSatisfy { task in
                    guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                        let close = text.lastIndex(of: ")")
                    else { return false }
                    // "pid (comm) S ...": the state follows the command's closing parenthesis.
                    return text[close...].dropFirst(2).first == "T"
                }
            if stopped { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test(arguments: [false, true])
    func secondDaemonOnTheSameRunDirIsRefusedAndChangesNothing(ownSocket: Bool) async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let first = try await SidecarProcess(upstream: mock.baseURL)
        defer { first.stop() }
        #expect(await ControlPlaneTests.waitForStatus(first) { $0["state"]?.stringValue == "ready" })
        // A temporary file as a write in progress would leave it: a second daemon must not clean it up.
        let temporary = first.stateDirectory + "/.tokens.json.tmp-inprogress"
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data("x".utf8)))
        let otherSocket = SidecarProcess.makeTemporaryDirectory() + "/other.sock"

        // Frozen, the first daemon writes nothing: whatever changes is the second one's doing.
        kill(first.process.processIdentifier, SIGSTOP)
        // kill(2) returns before every thread has stopped: a write under way finishes first.
        #expect(await Self.waitUntilStopped(first.process.processIdentifier))
        let before = Self.snapshot(first)
        let second = try await SidecarProcess(
            tokens: nil,
            upstream: mock.baseURL,
            arguments: ["--run-dir", first.runDirectory] + (ownSocket ? ["--socket", otherSocket] : []),
            stateDirectory: first.stateDirectory,
            waitForSocket: false
        )
        let status = await second.waitForExit()
        let after = Self.snapshot(first)
        kill(first.process.processIdentifier, SIGCONT)
        #expect(status == 1)
        #expect(second.log.contains("already running with run dir \(first.runDirectory)"), "\(second.log)")
        #expect(second.log.contains("pid \(first.process.processIdentifier)"))
        for (path, snapshot) in before { #expect(after[path] == snapshot, "\(path) changed") }
        #expect(!FileManager.default.fileExists(atPath: otherSocket))
        #expect(FileManager.default.fileExists(atPath: temporary))
        #expect(try first.request("GET", "/healthz").status == 200)
        let health = try await Maxctl.run(["health"], environment: ["MAXIMIZE_RUN_DIR": first.runDirectory])
        #expect(health.status == 0, "\(health.stderr)")
    }

    @Test func plantedLockSymlinkIsRefused() async throws {
        let run = SidecarProcess.makeTemporaryDirectory()
        let target = run + "/target"
        #expect(FileManager.default.createFile(atPath: target, contents: Data("keep".utf8)))
        try FileManager.default.createSymbolicLink(atPath: run + "/maximize.lock", withDestinationPath: target)
        let sidecar = try await SidecarProcess(upstream: nil, arguments: ["--run-dir", run], waitForSocket: false)
        #expect(await sidecar.waitForExit() == 1)
        #expect(sidecar.log.contains("symbolic link"), "\(sidecar.log)")
        #expect(FileManager.default.contents(atPath: target) == Data("keep".utf8))
        #expect(!FileManager.default.fileExists(atPath: run + "/status.json"))
        #expect(!FileManager.default.fileExists(atPath: run + "/maximize.sock"))
    }

    /// Kills the daemon with SIGKILL (no chance to write `stopped`) and asks every probe.
    static func probesAfterKill(_ sidecar: SidecarProcess, removingLockFile: Bool) throws {
        let environment = ["MAXIMIZE_RUN_DIR": sidecar.runDirectory]
        #expect(try Maxctl.run(["health"], environment: environment).status == 0)
        if removingLockFile { try FileManager.default.removeItem(atPath: sidecar.runDirectory + "/maximize.lock") }
        let pid = sidecar.process.processIdentifier
        kill(pid, SIGKILL)
        sidecar.process.waitUntilExit()
        // The reason proves how it was known: through the lock or the pid at once, not through a
        // heartbeat gone stale (which would need 15 s and say so).
        for probe in ["--live", "--ready", "--startup"] {
            let result = try Maxctl.run(["health", probe], environment: environment)
            #expect(result.status == 1, "\(probe): \(result.stdout)")
            #expect(result.stderr.contains("gone: the daemon (pid \(pid)) has exited without stopping"), "\(result.stderr)")
        }
        let status = try Maxctl.run(["status"], environment: environment)
        #expect(status.status == 1)
        #expect(status.stderr.contains("gone"))
        let reload = try Maxctl.run(["reload"], environment: environment)
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("no maximize daemon is running"))
    }

    @Test func killedDaemonIsSeenGoneThroughItsLock() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["state"]?.stringValue == "ready" })
        try Self.probesAfterKill(sidecar, removingLockFile: false)
    }

    @Test func killedDaemonIsSeenGoneThroughItsPidWithoutTheLockFile() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["state"]?.stringValue == "ready" })
        #expect(ControlPlaneTests.statusJSON(sidecar)?["process_start"]?.intValue != nil)
        try Self.probesAfterKill(sidecar, removingLockFile: true)
    }
}
