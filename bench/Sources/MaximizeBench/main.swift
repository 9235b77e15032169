// over 300 lines: a script, one section per measured part, read top to bottom as the table prints.
import Foundation

// maximize-bench --maximize PATH --maxctl PATH [--baseline PATH] [--quick] [--out FILE]
//
// --baseline runs a second daemon binary (an earlier build) through the same latency and
// streaming loads in the same pass, as rows "base-unix"/"base-tcp": the A/B for a change.
//
// Starts a fast mock upstream on loopback, measures it alone, then the same loads through
// maximize over its Unix socket and TCP port; prints a table and writes JSON.

var arguments = CommandLine.arguments.dropFirst()
var maximizePath = "../.build/release/maximize"
var maxctlPath = "../.build/release/maxctl"
var outPath: String?
var baselinePath: String?
var quick = false
var parts: Set<String> = ["latency", "streaming", "connections", "streams", "health", "store"]
while let argument = arguments.popFirst() {
    switch argument {
    case "--maximize": maximizePath = arguments.popFirst() ?? maximizePath
    case "--maxctl": maxctlPath = arguments.popFirst() ?? maxctlPath
    case "--out": outPath = arguments.popFirst()
    case "--baseline": baselinePath = arguments.popFirst()
    case "--quick": quick = true
    case "--parts": parts = Set((arguments.popFirst() ?? "").split(separator: ",").map(String.init))
    case "--serve":
        // Only the mock, for trying things by hand.
        let mock = try MockServer(threads: 1)
        print("http1 \(mock.http1Port)")
        fflush(nil)
        sleep(600)
        exit(0)
    default: print("unknown argument \(argument)"); exit(64)
    }
}

// Enough descriptors for 10,000 streams (each is a client socket, a proxy socket, an upstream socket).
// As root, the hard limit can go up too (a container's default hard limit may be 20,000 or less).
var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = max(limit.rlim_max, 65_536)
limit.rlim_max = max(limit.rlim_max, 65_536)
if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

var report: [String: Any] = [
    "machine": [
        "cores": ProcessInfo.processInfo.activeProcessorCount,
        "memory_gb": Double(ProcessInfo.processInfo.physicalMemory) / 1e9,
        "kernel": ProcessInfo.processInfo.operatingSystemVersionString,
    ],
    "date": ISO8601DateFormatter().string(from: Date()),
    "descriptor_limit": Int(limit.rlim_cur),
]
func row(_ text: String) {
    print(text)
    fflush(nil)
}
func ms(_ value: Double) -> String { String(format: "%.3f", value) }

let mock = try MockServer(threads: 1)
defer { mock.shutdown() }
let direct = Target.tcp(mock.http1Port)
let concurrencies = quick ? [1, 16, 64] : [1, 16, 64, 256]
let perThreadTotal = quick ? 2000 : 6000

// 1. Latency and throughput, non-streaming.
let daemon = try DaemonProcess(binary: maximizePath, upstream: "http://127.0.0.1:\(mock.http1Port)")
usleep(300_000)
let idle = daemon.memory()
report["start_to_ready_ms"] = daemon.startToReady * 1000
let idleSplit = daemon.residentSplit()
report["idle"] = [
    "rss_kb": idle.rss, "threads": idle.threads, "rss_anon_kb": idleSplit.anonymous, "rss_file_kb": idleSplit.file,
    "pss_kb": idleSplit.proportional,
]
row("start to ready: \(ms(daemon.startToReady * 1000)) ms; idle RSS \(idle.rss) kB (anonymous \(idleSplit.anonymous) kB, "
    + "file-backed \(idleSplit.file) kB, PSS \(idleSplit.proportional) kB), \(idle.threads) threads")
_ = runLoad(.unix(daemon.socket), concurrency: 4, perThread: 200)  // warm up
_ = runLoad(direct, concurrency: 4, perThread: 200)

// nginx as a plain reverse proxy to the same mock, when installed: what any proxy costs here.
let nginx = parts.contains("latency") || parts.contains("streaming") ? NginxProcess.start(upstreamPort: mock.http1Port) : nil
defer { nginx?.stop() }
var proxies: [(label: String, target: Target)] = [("unix", .unix(daemon.socket)), ("tcp", .tcp(daemon.port))]
// The earlier build, when given: the same loads in the same pass.
let baseline = try baselinePath.map { try DaemonProcess(binary: $0, upstream: "http://127.0.0.1:\(mock.http1Port)") }
defer { baseline?.stop() }
if let baseline {
    _ = runLoad(.unix(baseline.socket), concurrency: 4, perThread: 200)
    proxies += [("base-unix", .unix(baseline.socket)), ("base-tcp", .tcp(baseline.port))]
    report["baseline"] = baselinePath
}
if let nginx {
    _ = runLoad(.unix(nginx.socket), concurrency: 4, perThread: 200)
    proxies += [("nginx-unix", .unix(nginx.socket)), ("nginx-tcp", .tcp(nginx.port))]
}
report["nginx"] = nginx != nil

row("")
row("non-streaming /v1/messages       p50 ms   p90 ms   p99 ms      req/s   added p50 ms  rps vs direct  new upstream conns /1k req")
var latency: [[String: Any]] = []
for concurrency in parts.contains("latency") ? concurrencies : [] {
    let perThread = max(50, perThreadTotal / concurrency)
    let base = runLoad(direct, concurrency: concurrency, perThread: perThread)
    row(String(format: "  direct    c=%-4d              %7.3f  %7.3f  %7.3f  %9.0f", concurrency, base.p50, base.p90, base.p99, base.requestsPerSecond))
    var entry: [String: Any] = ["concurrency": concurrency, "direct": base.json]
    for (label, target) in proxies {
        // Connections the mock accepted during this run alone, after a warm-up at the same
        // concurrency: what a steady load makes the proxy open (ideally none).
        _ = runLoad(target, concurrency: concurrency, perThread: 20)
        mock.resetConnections()
        let result = runLoad(target, concurrency: concurrency, perThread: perThread)
        let perThousand = 1000 * Double(mock.connectionCount) / Double(concurrency * perThread)
        let padded = label + String(repeating: " ", count: max(0, 10 - label.count))
        row(String(format: "  %@c=%-4d              %7.3f  %7.3f  %7.3f  %9.0f   %+10.3f   %6.1f %%   %8.1f", padded as NSString,
                   concurrency, result.p50, result.p90, result.p99, result.requestsPerSecond, result.p50 - base.p50,
                   100 * result.requestsPerSecond / base.requestsPerSecond, perThousand))
        entry[label] = result.json.merging([
            "added_p50_ms": result.p50 - base.p50, "rps_ratio": result.requestsPerSecond / base.requestsPerSecond,
            "upstream_new_connections_per_1000": perThousand,
        ]) { $1 }
    }
    latency.append(entry)
}
report["latency"] = latency

/// The `expires_at` a daemon's `/auth/status` shows (its credential in use).
func authExpiry(_ socket: String) -> String? {
    guard let connection = try? BlockingConnection(.unix(socket)) else { return nil }
    guard (try? connection.send(Array("GET /auth/status HTTP/1.1\r\nhost: bench\r\n\r\n".utf8))) != nil else { return nil }
    var body: [UInt8] = []
    _ = try? connection.readResponse { _, chunk in body += chunk }
    let text = String(decoding: body, as: UTF8.self)
    guard let start = text.range(of: "\"expires_at\":\"") else { return nil }
    return String(text[start.upperBound...].prefix { $0 != "\"" })
}

/// Time from a new token committed to the row (`maxctl import`) to its use by every one of four
/// replicas (`first` and three more on the same row), in milliseconds: the notification, the
/// re-read, and the hand-over, as a rotation by one replica reaches the others.
@MainActor func storePropagation(first: DaemonProcess, environment: [String: String], rounds: Int) throws -> (p50: Double, max: Double) {
    var replicas = [first]
    for _ in 0..<3 {
        replicas.append(try DaemonProcess(binary: maximizePath, upstream: "http://127.0.0.1:9", environment: environment))
    }
    defer { for replica in replicas.dropFirst() { replica.stop() } }
    for (key, value) in environment { setenv(key, value, 1) }
    defer { for key in environment.keys { unsetenv(key) } }
    let file = NSTemporaryDirectory() + "maximize-bench-token-\(UUID().uuidString.prefix(8)).json"
    defer { unlink(file) }
    var samples: [Double] = []
    for round in 0..<rounds {
        // A distinct expiry each round (far in the future: no refresh is due).
        let expiry = 4_102_444_800 + round * 60
        let expected = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(expiry)))
        try #"{"access_token":"sk-ant-oat01-bench-\#(round)","refresh_token":"sk-ant-ort01-bench-\#(round)","expires_at":\#(expiry)}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let started = monotonicNanoseconds()
        guard spawnAndWait([maxctlPath, "import", file]) == 0 else { throw BenchError("maxctl import into the store failed") }
        var pending = Set(replicas.indices)
        let deadline = started + 5_000_000_000
        while !pending.isEmpty, monotonicNanoseconds() < deadline {
            for index in pending where authExpiry(replicas[index].socket) == expected { pending.remove(index) }
        }
        guard pending.isEmpty else { throw BenchError("a replica did not take the new token within 5 s") }
        samples.append(Double(monotonicNanoseconds() - started) / 1e6)
    }
    samples.sort()
    return (samples[samples.count / 2], samples.last ?? 0)
}

// 1b. The postgres store against the file store, c=16, interleaved in this run: the database is
// off the request path, so the two must match. Needs MAXIMIZE_BENCH_POSTGRES_URL (bench/run starts
// a throwaway cluster when PostgreSQL is installed).
if parts.contains("store"), let storeURL = ProcessInfo.processInfo.environment["MAXIMIZE_BENCH_POSTGRES_URL"] {
    let storeEnvironment = [
        "MAXIMIZE_STORAGE_BACKEND": "postgres", "MAXIMIZE_POSTGRES_URL": storeURL,
        "MAXIMIZE_CREDENTIAL_NAME": "bench-\(UInt64.random(in: 0...UInt64.max))",
    ]
    let shared = try DaemonProcess(
        binary: maximizePath,
        upstream: "http://127.0.0.1:\(mock.http1Port)",
        environment: storeEnvironment.merging(["MAXIMIZE_UPSTREAM_API_KEY": "sk-ant-bench-key"]) { $1 }
    )
    defer { shared.stop() }
    _ = runLoad(.unix(shared.socket), concurrency: 4, perThread: 200)  // warm up
    let storeIdle = shared.memory()
    row("")
    row("credential store, c=16             p50 ms      req/s   (rounds interleaved)")
    var rounds: [[String: Any]] = []
    var fileRates: [Double] = []
    var postgresRates: [Double] = []
    for _ in 0..<(quick ? 2 : 3) {
        let file = runLoad(.unix(daemon.socket), concurrency: 16, perThread: quick ? 150 : 400)
        let postgres = runLoad(.unix(shared.socket), concurrency: 16, perThread: quick ? 150 : 400)
        fileRates.append(file.requestsPerSecond)
        postgresRates.append(postgres.requestsPerSecond)
        row(String(format: "  file      c=16              %7.3f  %9.0f", file.p50, file.requestsPerSecond))
        row(String(format: "  postgres  c=16              %7.3f  %9.0f", postgres.p50, postgres.requestsPerSecond))
        rounds.append(["file": file.json, "postgres": postgres.json])
    }
    let ratio = postgresRates.reduce(0, +) / max(1, fileRates.reduce(0, +))
    row(String(format: "  postgres / file req/s: %.1f %%; postgres daemon idle RSS %d kB", 100 * ratio, storeIdle.rss))
    let spread = try storePropagation(first: shared, environment: storeEnvironment, rounds: quick ? 5 : 20)
    row(String(format: "  a new token in the row -> in use by all 4 replicas: p50 %.1f ms, max %.1f ms", spread.p50, spread.max))
    report["store"] = [
        "rounds": rounds, "rps_ratio": ratio, "postgres_idle_rss_kb": storeIdle.rss,
        "propagation_ms": ["p50": spread.p50, "max": spread.max],
    ]
}

// 2. Streaming: first event, per-event delay (the mock stamps each event), events per second.
row("")
row("streaming                        first event p50 ms   per-event delay p50 ms   p99 ms")
var streaming: [[String: Any]] = []
for concurrency in parts.contains("streaming") ? [1, 64] : [] {
    let events = 40
    let streams = concurrency == 1 ? 20 : 2
    let base = runStreams(direct, concurrency: concurrency, streams: streams, events: events, delayMs: 5)
    let proxied = runStreams(.unix(daemon.socket), concurrency: concurrency, streams: streams, events: events, delayMs: 5)
    let baseFirst = percentile(base.firstEvent.sorted(), 0.5)
    let baseDelay = percentile(base.eventDelay.sorted(), 0.5)
    let first = percentile(proxied.firstEvent.sorted(), 0.5)
    let delay = percentile(proxied.eventDelay.sorted(), 0.5)
    row(String(format: "  direct   c=%-3d                     %8.3f              %8.3f      %8.3f", concurrency, baseFirst, baseDelay, percentile(base.eventDelay.sorted(), 0.99)))
    row(String(format: "  unix     c=%-3d                     %8.3f              %8.3f      %8.3f   (added per event %+.3f ms)", concurrency, first, delay, percentile(proxied.eventDelay.sorted(), 0.99), delay - baseDelay))
    var entry: [String: Any] = [
        "concurrency": concurrency, "direct_first_event_p50_ms": baseFirst, "direct_event_delay_p50_ms": baseDelay,
        "first_event_p50_ms": first, "event_delay_p50_ms": delay, "event_delay_p99_ms": percentile(proxied.eventDelay.sorted(), 0.99),
        "added_event_delay_p50_ms": delay - baseDelay, "events": proxied.events, "errors": proxied.errors + base.errors,
    ]
    if let baseline {
        let viaBaseline = runStreams(.unix(baseline.socket), concurrency: concurrency, streams: streams, events: events, delayMs: 5)
        let baselineFirst = percentile(viaBaseline.firstEvent.sorted(), 0.5)
        let baselineDelay = percentile(viaBaseline.eventDelay.sorted(), 0.5)
        row(String(format: "  base     c=%-3d                     %8.3f              %8.3f      %8.3f   (added per event %+.3f ms)", concurrency, baselineFirst, baselineDelay, percentile(viaBaseline.eventDelay.sorted(), 0.99), baselineDelay - baseDelay))
        entry["baseline_first_event_p50_ms"] = baselineFirst
        entry["baseline_added_event_delay_p50_ms"] = baselineDelay - baseDelay
    }
    if let nginx {
        let viaNginx = runStreams(.unix(nginx.socket), concurrency: concurrency, streams: streams, events: events, delayMs: 5)
        let nginxFirst = percentile(viaNginx.firstEvent.sorted(), 0.5)
        let nginxDelay = percentile(viaNginx.eventDelay.sorted(), 0.5)
        row(String(format: "  nginx    c=%-3d                     %8.3f              %8.3f      %8.3f   (added per event %+.3f ms)", concurrency, nginxFirst, nginxDelay, percentile(viaNginx.eventDelay.sorted(), 0.99), nginxDelay - baseDelay))
        entry["nginx_first_event_p50_ms"] = nginxFirst
        entry["nginx_added_event_delay_p50_ms"] = nginxDelay - baseDelay
    }
    streaming.append(entry)
}
report["streaming"] = streaming
var throughputTargets = [("direct", direct), ("unix", Target.unix(daemon.socket))]
if let baseline { throughputTargets.append(("base", Target.unix(baseline.socket))) }
for (name, target) in parts.contains("streaming") ? throughputTargets : [] {
    let count = quick ? 20_000 : 100_000
    let started = monotonicNanoseconds()
    let result = runStreams(target, concurrency: 1, streams: 1, events: count, delayMs: 0)
    let seconds = Double(monotonicNanoseconds() - started) / 1e9
    row(String(format: "  %-6@ events/s with no delay: %.0f (%d events)", name as NSString, Double(result.events) / seconds, result.events))
    report["events_per_second_\(name)"] = Double(result.events) / seconds
}

let afterLoad = daemon.memory()
report["after_load"] = ["rss_kb": afterLoad.rss, "peak_rss_kb": afterLoad.peak, "threads": afterLoad.threads]
row("")
row("RSS after the load runs: \(afterLoad.rss) kB, peak \(afterLoad.peak) kB, \(afterLoad.threads) threads")

// 3. Upstream connections: reuse (HTTP/1.1) and multiplexing (HTTP/2 over TLS).
if parts.contains("connections") {
    mock.resetConnections()
    let sequential = runLoad(.unix(daemon.socket), concurrency: 1, perThread: 1000)
    let sequential1 = mock.connectionCount
    mock.resetConnections()
    let concurrentHTTP1 = ManyConnections.run(.unix(daemon.socket), count: 1000, body: #"{"messages":[]}"#, streaming: false, timeout: 60)
    let concurrent1 = mock.connectionCount
    row("")
    row("upstream connections opened        1,000 sequential   1,000 concurrent")
    row("  HTTP/1.1 (keep-alive reuse)      \(sequential1) new (\(1000 - sequential.errors) ok)     \(concurrent1) (\(concurrentHTTP1.completed) ok)")
    var connections: [String: Any] = [
        "http1_sequential_new": sequential1, "http1_sequential_ok": 1000 - sequential.errors,
        "http1_concurrent": concurrent1, "http1_concurrent_ok": concurrentHTTP1.completed,
    ]
    if let h2 = try? HTTP2Mock.start() {
        defer { h2.stop() }
        let h2daemon = try DaemonProcess(binary: maximizePath, upstream: h2.url, caFile: h2.certificate)
        _ = h2.get("/reset")
        let sequential2 = runLoad(.unix(h2daemon.socket), concurrency: 1, perThread: 1000)
        let sequentialCount = h2.connections()
        _ = h2.get("/reset")
        let concurrentHTTP2 = ManyConnections.run(.unix(h2daemon.socket), count: 1000, body: #"{"messages":[]}"#, streaming: false, timeout: 120)
        let concurrentCount = h2.connections()
        row("  HTTP/2 over TLS (multiplexed)    \(sequentialCount) (\(1000 - sequential2.errors) ok)          \(concurrentCount) (\(concurrentHTTP2.completed) ok)")
        connections["http2_sequential"] = sequentialCount
        connections["http2_sequential_ok"] = 1000 - sequential2.errors
        connections["http2_concurrent"] = concurrentCount
        connections["http2_concurrent_ok"] = concurrentHTTP2.completed
        if concurrentHTTP2.completed < 1000 { print(h2daemon.log.split(separator: "\n").suffix(5).joined(separator: "\n")) }
        h2daemon.stop()
    } else {
        row("  HTTP/2: skipped (hypercorn or openssl missing; pip install hypercorn)")
    }
    if concurrentHTTP1.completed < 1000 { print(daemon.log.split(separator: "\n").suffix(5).joined(separator: "\n")) }
    report["upstream_connections"] = connections
}
let afterAll = daemon.memory()
daemon.stop()

// 4. Many simultaneous open streams over the socket, against an HTTP/1.1 upstream (a connection
// per stream) and an HTTP/2 one (streams multiplexed, as with the real API).
/// Opens `requested` streams at once through a fresh daemon; prints and returns the figures.
@MainActor func openStreams(_ label: String, upstream: String, caFile: String? = nil, requested: Int) throws -> [String: Any] {
    let streamsDaemon = try DaemonProcess(binary: maximizePath, upstream: upstream, caFile: caFile)
    defer { streamsDaemon.stop() }
    usleep(200_000)
    let before = streamsDaemon.memory()
    var during = (rss: 0, peak: 0, threads: 0)
    var upstreamDescriptors = 0
    let many = ManyConnections.run(
        .unix(streamsDaemon.socket), count: requested,
        body: #"{"stream":true,"messages":[],"mock":{"events":3,"delay_ms":1500}}"#, streaming: true, timeout: 180
    ) {
        usleep(500_000)
        during = streamsDaemon.memory()
        upstreamDescriptors = streamsDaemon.tcpSocketCount()
    }
    let perStream = Double(during.rss - before.rss) * 1024 / Double(requested)
    row(String(format: "  %@: %d completed, %d failed in %.1f s; %d upstream sockets; RSS %d kB while open (%.0f bytes per stream), peak %d kB",
               label as NSString, many.completed, many.failed, many.seconds, upstreamDescriptors, during.rss, perStream,
               streamsDaemon.memory().peak))
    if many.failed > 0 {
        row("    failures: " + many.reasons.sorted { $0.value > $1.value }.prefix(4).map { "\($0.value) \($0.key)" }.joined(separator: "; "))
        print(streamsDaemon.log.split(separator: "\n").suffix(5).joined(separator: "\n"))
    }
    return [
        "count": requested, "completed": many.completed, "failed": many.failed, "failure_reasons": many.reasons, "seconds": many.seconds,
        "upstream_sockets": upstreamDescriptors, "rss_kb_before": before.rss, "rss_kb_open": during.rss,
        "bytes_per_stream": perStream, "peak_rss_kb": streamsDaemon.memory().peak,
    ]
}
if parts.contains("streams") {
    let wanted = quick ? 2000 : 10_000
    row("")
    row("simultaneous streams over the socket")
    var openStreamsReport: [String: Any] = ["descriptor_limit": Int(limit.rlim_cur)]
    // The HTTP/1.1 mock in a process of its own, so that its sockets and the client's do not
    // share one descriptor limit.
    let streamsMock = Process()
    streamsMock.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    streamsMock.arguments = ["--serve"]
    let mockOutput = Pipe()
    streamsMock.standardOutput = mockOutput
    try streamsMock.run()
    let announced = String(decoding: mockOutput.fileHandleForReading.availableData, as: UTF8.self)
    guard let streamsMockPort = Int(announced.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    else { throw BenchError("the streams mock did not start: \(announced)") }
    // Over HTTP/1.1 each stream holds two of the daemon's descriptors (client and upstream), and
    // the daemon keeps ~30 of its own; a hard limit below 20,030 cannot hold 10,000.
    let fitting = min(wanted, (Int(limit.rlim_cur) - 64) / 2)
    if fitting < wanted {
        row("  (descriptor hard limit \(limit.rlim_cur), not raisable here: \(fitting) is the most that fit over HTTP/1.1)")
    }
    openStreamsReport["http1"] = try openStreams("HTTP/1.1 upstream, \(fitting) streams", upstream: "http://127.0.0.1:\(streamsMockPort)", requested: fitting)
    kill(streamsMock.processIdentifier, SIGKILL)
    streamsMock.waitUntilExit()
    if let h2 = try? HTTP2Mock.start() {
        defer { h2.stop() }
        _ = h2.get("/reset")
        openStreamsReport["http2"] = try openStreams("HTTP/2 upstream, \(wanted) streams", upstream: h2.url, caFile: h2.certificate, requested: wanted)
        let counts = h2.counts()
        openStreamsReport["http2_upstream_connections"] = counts.connections
        openStreamsReport["http2_upstream_peak_streams"] = counts.peak
        row("  HTTP/2 upstream: \(counts.connections) connections, at most \(counts.peak) streams in progress at once")
    } else {
        row("  HTTP/2: skipped (hypercorn or openssl missing; pip install hypercorn)")
    }
    report["open_streams"] = openStreamsReport
}
_ = afterAll

// 5. maxctl health run time: posix_spawn to exit, against a live daemon's status.json.
if parts.contains("health") {
    let healthDaemon = try DaemonProcess(binary: maximizePath, upstream: "http://127.0.0.1:\(mock.http1Port)")
    var healthTimes: [UInt64] = []
    for _ in 0..<100 {
        let started = monotonicNanoseconds()
        let status = spawnAndWait([maxctlPath, "health", "--run-dir", healthDaemon.root + "/run"])
        healthTimes.append(monotonicNanoseconds() - started)
        if status != 0 { print("maxctl health exited \(status)") }
    }
    healthTimes.sort()
    row("")
    row(String(format: "maxctl health: p50 %.1f ms, p90 %.1f ms (100 runs, process spawn included)", percentile(healthTimes, 0.5), percentile(healthTimes, 0.9)))
    report["maxctl_health_ms"] = ["p50": percentile(healthTimes, 0.5), "p90": percentile(healthTimes, 0.9)]
    healthDaemon.stop()
}

if let outPath {
    let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: outPath))
    print("\nwrote \(outPath)")
}
