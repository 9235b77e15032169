import Foundation
import MaximizeCore
import NIOConcurrencyHelpers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Many control requests at once (issue 13, item 5): every caller gets its answer, and a flood of
/// control files is answered in bounded memory.
@Suite(.serialized, .ownThreads)
struct ControlConcurrencyTests {
    @Test func concurrentReloadsAndRefreshesAllGetTheirAnswer() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let environment = sidecar.maxctlEnvironment
        // 48: more than `control.recent` held before it kept 100. Under Thread Sanitizer each
        // maxctl is several times heavier, and 48 at once starve the suites running beside this one.
        let many = ProcessInfo.processInfo.environment["TSAN_OPTIONS"] == nil ? 48 : 24
        for (count, actions) in [(8, ["reload"]), (16, ["reload", "refresh"]), (many, ["reload", "refresh"])] {
            let results = NIOLockedValueBox<[Maxctl.Result?]>(Array(repeating: nil, count: count))
            await onThreads(count) { index in
                let result = try? Maxctl.run([actions[index % actions.count], "--timeout", "20"], environment: environment)
                results.withLockedValue { $0[index] = result }
            }
            for (index, result) in results.withLockedValue({ $0 }).enumerated() {
                #expect(result?.status == 0, "caller \(index) of \(count): \(result?.stderr ?? "did not run")")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sidecar.runDirectory + "/control").isEmpty)
    }

    @Test func tenThousandControlFilesAreAnsweredInBoundedMemory() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let control = sidecar.runDirectory + "/control"
        let pid = sidecar.process.processIdentifier
        // Warm up the paths a reload takes.
        #expect(try await Maxctl.run(["reload", "--timeout", "10"], environment: sidecar.maxctlEnvironment).status == 0)
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        try await Task.sleep(for: .milliseconds(300))
        let memoryBefore = ListenerTests.residentKilobytes(pid)

        let count = 10_000
        for index in 0..<count {
            let fd = open(control + "/reload.bulk-\(index)", O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            if fd >= 0 { close(fd) }
        }
        var remaining = count
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            remaining = (try? FileManager.default.contentsOfDirectory(atPath: control).count) ?? -1
            if remaining == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(remaining == 0, "\(remaining) control files left after 60 s")
        let memoryAfter = ListenerTests.residentKilobytes(pid)
        #expect(memoryAfter - memoryBefore < 24_000, "RSS \(memoryBefore) kB -> \(memoryAfter) kB")

        #expect(try sidecar.request("GET", "/healthz").status == 200)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["control"]?["last_id"]?.stringValue?.hasPrefix("bulk-") == true })
        let size = (try? FileManager.default.attributesOfItem(atPath: sidecar.runDirectory + "/status.json")[.size] as? Int) ?? 0
        #expect(size > 0 && size < 64 * 1024, "status.json is \(size) bytes")
        let recent = ControlPlaneTests.statusJSON(sidecar)?["control"]?["recent"]?.arrayValue ?? []
        #expect(!recent.isEmpty && recent.count <= 100)
        // Logged per batch, not per file.
        let lines = sidecar.log.split(separator: "\n").filter { $0.contains("control request") }
        #expect(lines.count < 1000, "\(lines.count) log lines about control requests")
        // And the daemon still answers a caller.
        let reload = try await Maxctl.run(["reload", "--timeout", "10"], environment: sidecar.maxctlEnvironment)
        #expect(reload.status == 0, "\(reload.stderr)")
    }

    @Test func filesThatAreNotRequestsAreRemovedWithAReason() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let control = sidecar.runDirectory + "/control"
        for name in ["rotate.abc-123", "notes.txt", "reload.bad id", "reload."] {
            _ = FileManager.default.createFile(atPath: control + "/" + name, contents: nil)
        }
        // maxctl's temporary files (written, then renamed into place) are left alone.
        _ = FileManager.default.createFile(atPath: control + "/.reload.x.tmp-123456", contents: nil)
        #expect(
            await ControlPlaneTests.waitForStatus(sidecar, timeout: 20) { status in
                (status["control"]?["recent"]?.arrayValue ?? []).contains { $0["id"]?.stringValue == "abc-123" }
            }
        )
        let recent = ControlPlaneTests.statusJSON(sidecar)?["control"]?["recent"]?.arrayValue ?? []
        let rotate = recent.first { $0["id"]?.stringValue == "abc-123" }
        #expect(rotate?["result"]?.stringValue?.hasPrefix("error: unknown action") == true)
        var left: [String] = []
        for _ in 0..<100 {
            left = try FileManager.default.contentsOfDirectory(atPath: control).sorted()
            if left == [".reload.x.tmp-123456"] { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(left == [".reload.x.tmp-123456"])
        // Logged once the pass that removed them ends (after the removals a test may see first).
        #expect(await LogFormatTests.waitForLine(sidecar, "not a control request"))
    }
}
