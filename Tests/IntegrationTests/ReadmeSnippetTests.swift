import Foundation
import MaximizeCore
import Testing

/// The README's snippets run as pasted after the quick start (issue 16, item 6): every `sh` and
/// `python` block is marked `<!-- snippet: run -->` or `<!-- snippet: skip (reason) -->`, and the
/// ones marked run are run, with bash and python3, against the real daemon serving
/// `~/.maximize/run/maximize.sock` (`HOME` a fresh directory, the credential imported, the
/// upstream a mock).
@Suite(.ownThreads) struct ReadmeSnippetTests {
    static var readme: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md").path
    }

    /// A `curl` that fails on an HTTP error (exit 22) and prints no progress meter, so a snippet
    /// that gets an error answer fails; the snippet's own text is run unchanged after it.
    static let shellPrelude = #"curl() { command curl --fail-with-body --silent --show-error "$@"; }"# + "\n"

    @Test func everySnippetMarkedRunRunsAsPastedAfterTheQuickStart() async throws {
        let (snippets, problems) = ReadmeSnippet.parse(try String(contentsOfFile: Self.readme, encoding: .utf8))
        #expect(problems.isEmpty, "README.md: \(problems.joined(separator: "\n"))")
        let runs = snippets.filter { $0.mark == .run }
        // A README whose snippets all vanished, or lost their markers, must not pass silently.
        try #require(runs.contains { $0.language == "python" }, "README.md has no Python snippet marked run")
        try #require(
            runs.contains { ReadmeSnippet.shells.contains($0.language) && $0.code.contains("curl --unix-socket") },
            "README.md has no curl snippet marked run"
        )

        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL, defaultPaths: true)
        defer { sidecar.stop() }
        #expect(sidecar.socketPath == sidecar.homeDirectory + "/.maximize/run/maximize.sock")
        // The daemon's own request after start (the nickname check), before counting the snippets'.
        #expect(await mock.waitFor(15) { $0.received.contains { $0.method == "GET" } })
        let directory = sidecar.homeDirectory + "/snippets"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment.filter { name, _ in
            // Nothing from the test run points the snippets at the daemon but `HOME`; a proxy
            // setting would send the SDK's requests elsewhere.
            !name.hasPrefix("MAXIMIZE_") && !name.lowercased().hasSuffix("_proxy")
        }
        environment["HOME"] = sidecar.homeDirectory
        environment["PATH"] = SidecarProcess.productsDirectory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")

        for snippet in runs {
            let python = snippet.language == "python"
            let file = directory + "/line-\(snippet.line)." + (python ? "py" : "sh")
            try ((python ? "" : Self.shellPrelude) + snippet.code).write(toFile: file, atomically: true, encoding: .utf8)
            let before = mock.received.count
            let command = python ? ["python3", file] : ["bash", "-e", "-o", "pipefail", file]
            // timeout(1) signals the snippet's whole process group; BoundedRun is the backstop.
            let result = try await BoundedRun.command(
                "/usr/bin/timeout",
                ["--kill-after=5", "60"] + command,
                environment: environment,
                directory: directory,
                seconds: 90
            )
            let what = "README.md line \(snippet.line) (\(snippet.language)):\n\(snippet.code)"
            #expect(result.status == 0, "\(what)\nexit \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(!result.stdout.isEmpty, "\(what) printed nothing")
            #expect(mock.received.count > before, "\(what) did not reach the upstream through the daemon")
        }
    }

    @Test func theSnippetMarkersAreChecked() {
        let unmarked = ReadmeSnippet.parse("text\n\n```python\nprint(1)\n```\n")
        #expect(unmarked.problems.count == 1)
        let marked = ReadmeSnippet.parse(
            "<!-- snippet: run -->\n```sh\necho 1\n```\n<!-- snippet: skip (needs a browser) -->\n\n```sh\nmaxctl login\n```\n```json\n{}\n```\n"
        )
        #expect(marked.problems.isEmpty)
        #expect(marked.snippets.map(\.mark) == [.run, .skip(reason: "needs a browser"), .none])
        #expect(marked.snippets.first?.code == "echo 1\n")
        for bad in [
            "<!-- snippet: skip -->\n```sh\nx\n```\n", "<!-- snippet: run -->\ntext\n```sh\nx\n```\n", "```sh\nx\n",
            "<!-- snippet: run -->\n```js\nx\n```\n",
        ] {
            #expect(!ReadmeSnippet.parse(bad).problems.isEmpty, "\(bad)")
        }
    }
}
