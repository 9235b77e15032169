import Foundation
import MaximizeCore
import Synchronization
import Testing

/// `maxctl status` (the real binary) shows the limits the daemon saw.
extension RateLimitTests {
    @Test func maxctlStatusShowsEachWindowWithABarAndItsReset() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        // 2 h 13 min 30 s from now: "in 2 h 13 min" for the next 30 s.
        let reset = (WallClock.now() + 2 * 3600 + 13 * 60 + 30).rounded(.down)
        mock.counters.withLock { $0.limitHeaders = MockHandler.subscriptionHeaders(reset: reset, utilization: 0.42) + MockHandler.apiKeyHeaders }
        #expect(try Self.post(sidecar, Self.message()).status == 200)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["limits"]?["windows"]?["5h"] != nil })

        // A zone where the reset falls on the same day as now (else maxctl prints the date too):
        // UTC in the morning, twelve hours behind UTC (POSIX `UTC+12`) in the afternoon.
        let behind = Int(WallClock.now()) % 86400 >= 12 * 3600 ? 12 * 3600 : 0
        let environment = sidecar.maxctlEnvironment.merging(["TZ": behind == 0 ? "UTC" : "UTC+12"]) { $1 }
        let status = try await Maxctl.run(["status"], environment: environment)
        #expect(status.status == 0, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        let utc = Date(timeIntervalSince1970: reset - Double(behind)).formatted(.iso8601.time(includingFractionalSeconds: false))
        let clock = String(utc.prefix(5))  // HH:MM
        let window = try #require(lines.first { $0.hasPrefix("    5h ") }, "\(status.stdout)")
        #expect(window.contains("[########------------]  42%"), "\(window)")
        #expect(window.contains("resets \(clock) (in 2 h 13 min)") || window.contains("(in 2 h 12 min)"), "\(window)")
        #expect(window.hasSuffix("allowed"))
        #expect(lines.contains { $0.hasPrefix("    7d ") && $0.contains("17%") && $0.contains("(in 3 d 2 h)") })
        #expect(lines.contains { $0.hasPrefix("    7d_opus ") && $0.contains("  5%") })
        #expect(lines.contains { $0.hasPrefix("    requests ") && $0.contains("49 of 50 left") })
        #expect(lines.contains { $0.hasPrefix("  limits:      allowed (five_hour), resets \(clock)") })

        let json = try await Maxctl.run(["status", "--json"], environment: environment)
        let document = try #require(try? JSONParser.parse(Array(json.stdout.utf8)))
        #expect(document["limits"]?["windows"]?["5h"]?["utilization"] == .double(0.42))
        #expect(document["limits"]?["windows"]?["5h"]?["resets_at"] == .string(Timestamp.iso8601(reset)))
        #expect(document["limits"]?["api_key"]?["requests"]?["remaining"] == 49)
    }
}
