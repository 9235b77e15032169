import Foundation
import MaximizeCore
import Synchronization
import Testing

/// `maxctl login`, `import` and `logout` through the real binary against the mock token endpoint.
@Suite(.serialized, .ownThreads)
struct LoginTests {
    let mock: MockUpstream
    let state: String

    init() throws {
        mock = try MockUpstream()
        state = SidecarProcess.makeTemporaryDirectory() + "/state"
    }

    var environment: [String: String] {
        ["MAXIMIZE_STATE_DIR": state, "MAXIMIZE_OAUTH_TOKEN_URL": mock.tokenEndpoint]
    }

    func query(_ url: String, _ name: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }

    func savedToken() throws -> OAuthToken? {
        guard let bytes = FileManager.default.contents(atPath: state + "/tokens.json") else { return nil }
        guard case .oauth(let token) = try TokenFile.parse(Array(bytes), path: "tokens.json") else { return nil }
        return token
    }

    func mode(_ path: String) -> UInt32 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt32(info.st_mode & 0o777) : 0
    }

    @Test func interactiveLoginWithPKCE() async throws {
        defer { mock.shutdown() }
        let (process, input, output, _) = try Maxctl.start(["login", "--no-browser"], environment: environment)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            process.terminate()
        }
        defer { watchdog.cancel() }
        var text = ""
        while !text.contains("Paste the code") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let url = try #require(text.split(separator: "\n").first { $0.hasPrefix("https://claude.ai/oauth/authorize?") })
        let stateValue = try #require(query(String(url), "state"))
        let challenge = try #require(query(String(url), "code_challenge"))
        #expect(query(String(url), "code_challenge_method") == "S256")
        #expect(query(String(url), "client_id") == "9d1c250a-e61b-44d9-88ed-5944d1962f5e")
        #expect(query(String(url), "scope") == "user:profile user:inference user:sessions:claude_code")
        input.fileHandleForWriting.writeToChild(Data("good-code#\(stateValue)\n".utf8))
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let token = try #require(try savedToken())
        #expect(token.accessToken.value.hasPrefix("sk-ant-oat01-mock-access-"))
        #expect(token.refreshToken != nil)
        #expect(mode(state + "/tokens.json") == 0o600)
        let verifier = try #require(mock.counters.withLock { $0.codeVerifiers.last })
        #expect(Base64URL.encode(SHA256.hash(Array(verifier.utf8))) == challenge)
    }

    @Test func pastedStateMustMatch() async throws {
        defer { mock.shutdown() }
        let result = try await Maxctl.run(["login", "--no-browser"], environment: environment, input: "good-code#not-the-state\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not match"))
        #expect(try savedToken() == nil)
        #expect(mock.counters.withLock { $0.exchangeCalls } == 0)
        let noHash = try await Maxctl.run(["login", "--no-browser"], environment: environment, input: "just-a-code\n")
        #expect(noHash.status == 1)
        #expect(noHash.stderr.contains("CODE#STATE"))
    }

    @Test func twoStepLoginForContainers() async throws {
        defer { mock.shutdown() }
        let started = try await Maxctl.run(["login", "--start"], environment: environment)
        #expect(started.status == 0)
        let url = try #require(started.stdout.split(separator: "\n").first { $0.hasPrefix("https://") })
        let stateValue = try #require(query(String(url), "state"))
        #expect(mode(state + "/login.pending") == 0o600)
        #expect(mode(state) == 0o700)  // created by maxctl, as the contract says
        let pending = try String(contentsOfFile: state + "/login.pending", encoding: .utf8)
        #expect(pending.contains(stateValue))

        let done = try await Maxctl.run(["login", "--code", "good-code#\(stateValue)"], environment: environment)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state + "/login.pending"))
        #expect(try savedToken() != nil)

        // A code works once.
        let again = try await Maxctl.run(["login", "--start"], environment: environment)
        let againState = try #require(query(String(again.stdout.split(separator: "\n").first { $0.hasPrefix("https://") } ?? ""), "state"))
        let reused = try await Maxctl.run(["login", "--code", "good-code#\(againState)"], environment: environment)
        #expect(reused.status == 1)
        #expect(reused.stderr.contains("already used"))
        #expect(reused.stderr.contains("maxctl login"))
        let expired = try await Maxctl.run(["login", "--code", "expired-code#\(againState)"], environment: environment)
        #expect(expired.status == 1)
        #expect(expired.stderr.contains("expired"))
        let none = try await Maxctl.run(["login", "--code", "x#y"], environment: ["MAXIMIZE_STATE_DIR": state + "-other"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("maxctl login --start"))
    }

    /// maxctl makes its token call through `maximize _fetch`: without that binary the login fails
    /// with what to do, and the pending login survives for a retry.
    @Test func loginWithoutTheDaemonBinarySaysWhatToDo() async throws {
        defer { mock.shutdown() }
        let started = try await Maxctl.run(["login", "--start"], environment: environment)
        let url = try #require(started.stdout.split(separator: "\n").first { $0.hasPrefix("https://") })
        let stateValue = try #require(query(String(url), "state"))
        var missing = environment
        missing["MAXIMIZE_BINARY"] = "/nonexistent/maximize"
        let failed = try await Maxctl.run(["login", "--code", "good-code#\(stateValue)"], environment: missing)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("MAXIMIZE_BINARY"))
        #expect(!failed.stderr.contains("good-code"))
        #expect(FileManager.default.fileExists(atPath: state + "/login.pending"))
        #expect(try savedToken() == nil)
        let done = try await Maxctl.run(["login", "--code", "good-code#\(stateValue)"], environment: environment)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try savedToken() != nil)
    }

    @Test func importAnyFormAndLogout() async throws {
        defer { mock.shutdown() }
        let source = state + "-import.json"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try
            #"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-cc","refreshToken":"sk-ant-ort01-cc","expiresAt":4102444800000,"scopes":["user:inference"],"subscriptionType":"max"}}"#
            .write(toFile: source, atomically: true, encoding: .utf8)
        let imported = try await Maxctl.run(["import", source], environment: environment)
        #expect(imported.status == 0, "\(imported.stderr)")
        let token = try #require(try savedToken())
        #expect(token.accessToken.value == "sk-ant-oat01-cc")
        #expect(token.expiresAt == 4_102_444_800)
        #expect(token.subscriptionType == "max")
        #expect(mode(state + "/tokens.json") == 0o600)
        let written = try String(contentsOfFile: state + "/tokens.json", encoding: .utf8)
        #expect(written.contains(#""access_token":"sk-ant-oat01-cc""#))

        try #"{"api_key":"sk-ant-api03-k"}"#.write(toFile: source, atomically: true, encoding: .utf8)
        #expect(try await Maxctl.run(["import", source], environment: environment).status == 0)
        #expect(try String(contentsOfFile: state + "/tokens.json", encoding: .utf8).contains("sk-ant-api03-k"))

        try "{}".write(toFile: source, atomically: true, encoding: .utf8)
        let empty = try await Maxctl.run(["import", source], environment: environment)
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("holds no credentials"))
        #expect(try String(contentsOfFile: state + "/tokens.json", encoding: .utf8).contains("sk-ant-api03-k"))

        // `-` reads standard input (a pipe: nothing written to disk on the way).
        let piped = try await Maxctl.run(["import", "-"], environment: environment, input: #"{"api_key":"sk-ant-api03-piped"}"#)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try String(contentsOfFile: state + "/tokens.json", encoding: .utf8).contains("sk-ant-api03-piped"))
        // More than 1 MiB on standard input: refused, not buffered whole (fed from a file, since
        // maxctl stops reading and a pipe writer would see EPIPE).
        let big = state + "-big.json"
        try String(repeating: " ", count: 2 << 20).write(toFile: big, atomically: true, encoding: .utf8)
        let flood = Process()
        flood.executableURL = URL(fileURLWithPath: SidecarProcess.productsDirectory + "/maxctl")
        flood.arguments = ["import", "-"]
        var floodEnvironment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"].merging(environment) { $1 }
        if let tsan = ProcessInfo.processInfo.environment["TSAN_OPTIONS"] { floodEnvironment["TSAN_OPTIONS"] = tsan }
        flood.environment = floodEnvironment
        flood.standardInput = FileHandle(forReadingAtPath: big)
        let floodErrors = Pipe()
        flood.standardError = floodErrors
        try flood.run()
        let floodText = String(decoding: floodErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        flood.waitUntilExit()
        #expect(flood.terminationStatus == 1)
        #expect(floodText.contains("standard input"), "\(floodText)")

        let logout = try await Maxctl.run(["logout"], environment: environment)
        #expect(logout.status == 0)
        #expect(!FileManager.default.fileExists(atPath: state + "/tokens.json"))
        #expect(FileManager.default.fileExists(atPath: state + "/tokens.json.lock"))
    }
}
