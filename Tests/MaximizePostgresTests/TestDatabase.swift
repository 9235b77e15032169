import Foundation
import MaximizeCore
import NIOConcurrencyHelpers
import Testing

@testable import MaximizePostgres

/// The PostgreSQL cluster the tests use: `MAXIMIZE_TEST_POSTGRES_URL` (set by `scripts/test`,
/// which starts one with `scripts/postgres-cluster`). Without it the suites are skipped, except
/// in CI (`CI` set), where they fail saying how to run them.
enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether the suites run: a cluster is given, or CI requires one.
    static let enabled = environment["MAXIMIZE_TEST_POSTGRES_URL"] != nil || environment["CI"] != nil

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "MAXIMIZE_TEST_POSTGRES_URL is unset: run the tests through scripts/test (or scripts/test-tsan), "
                + "which starts a throwaway cluster with scripts/postgres-cluster"
        }
    }

    /// The cluster's URL (trust auth over its Unix socket).
    static func url() throws -> String {
        guard let url = environment["MAXIMIZE_TEST_POSTGRES_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    /// The cluster's password user over 127.0.0.1, and its password.
    static func passwordLogin() throws -> (url: String, password: Secret)? {
        guard let url = environment["MAXIMIZE_TEST_POSTGRES_TCP_URL"],
            let file = environment["MAXIMIZE_TEST_POSTGRES_PASSWORD_FILE"]
        else { return nil }
        let password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (url, Secret(password))
    }

    /// A credential name no other test uses.
    static func uniqueName(_ prefix: String = "test") -> String {
        "\(prefix)-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// A new empty database; its URL.
    static func freshDatabase() async throws -> String {
        let base = try url()
        let name = "mx_\(UInt64.random(in: 0...UInt64.max))"
        try await PostgresConnection(url: base, password: nil).execute("CREATE DATABASE \(name)")
        guard base.hasPrefix("postgresql:///postgres?") else {
            throw PostgresError(reason: "MAXIMIZE_TEST_POSTGRES_URL is not scripts/postgres-cluster's socket URL", unreachable: false)
        }
        return base.replacingOccurrences(of: "postgresql:///postgres?", with: "postgresql:///\(name)?")
    }

    static func credential(_ label: String = "a") -> Credential {
        .oauth(
            OAuthToken(
                accessToken: Secret("sk-ant-oat01-\(label)-\(UInt32.random(in: 0...UInt32.max))"),
                refreshToken: Secret("sk-ant-ort01-\(label)-\(UInt32.random(in: 0...UInt32.max))"),
                expiresAt: (WallClock.now() + 3600).rounded(),
                obtainedAt: WallClock.now().rounded()
            )
        )
    }

    /// The directory of PostgreSQL's client and server binaries (`psql`, `pg_ctl`).
    static func binary(_ name: String) -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let path = "\(root)/\(version)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/\(name)"
    }

    /// `scripts/postgres-cluster`.
    static let clusterScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres-cluster").path

    /// Seconds since `start` (monotonic).
    static func elapsed(since start: UInt64) -> Double {
        Double(WallClock.monotonicNanoseconds() - start) / 1e9
    }

    /// Waits until `condition` holds, at most `seconds`; whether it did.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
        let start = WallClock.monotonicNanoseconds()
        while elapsed(since: start) < seconds {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Runs a program to its end (at most `seconds`, then killed); its status and output.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], seconds: Double = 60) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess.spawn(program, arguments)
        let status = await child.wait(seconds: seconds)
        return (status ?? -1, child.output())
    }
}

/// A one-shot signal between tasks.
final class Gate: Sendable {
    private let opened = NIOLockedValueBox(false)

    func open() { opened.withLockedValue { $0 = true } }

    var isOpen: Bool { opened.withLockedValue { $0 } }

    /// Waits until opened, at most `seconds`; whether it was.
    func wait(_ seconds: Double = 10) async -> Bool {
        await TestDatabase.eventually(within: seconds) { isOpen }
    }
}

/// Runs `body`, recording an error it throws as a test issue (inside non-throwing closures).
func recording(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
    } catch {
        Issue.record(error, sourceLocation: sourceLocation)
    }
}
