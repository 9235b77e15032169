import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A mock Anthropic API on 127.0.0.1, started by a test: it records what it receives, answers
/// Messages JSON and realistic SSE, serves the Models API (`MockHandler+Models`), and fails on
/// demand.
///
/// A request can choose its behaviour with a `"mock"` object in its JSON body (the proxy forwards
/// unknown fields): `status`, `events`, `delay_ms` (between events), `stall_ms` (before the head),
/// `retry_after`, `error_type`, `pad` (extra bytes per text delta), `fail_times` with `key` (answer
/// `status` only to the first N requests with that key, 200 after), `huge_bytes` (a JSON message
/// whose text is that long, sent in 64 KiB writes), `trickle_ms` (the JSON body in ten pieces, that
/// far apart), `limit_headers` (an object of headers added to the answer: rate limits), `long_context_refusal`
/// (400 or 429: refuse a request that asks for a `context-1m-*` beta, with
/// `long_context_message` or the upstream's usual text), `held` (no answer while
/// ``Counters/holdMessages`` is set, then as the other options say); or
/// `metadata.user_id` `mock-status-NNN` for an error status, `mock-huge-NNN` for
/// `huge_bytes`.
final class MockUpstream: Sendable {
    private let stopped = Mutex(false)
    struct Received: Sendable {
        var method: String
        var uri: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var connection: Int

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var json: JSONValue? { try? JSONParser.parse(body) }
    }

    struct Counters: Sendable {
        var received: [Received] = []
        var connections = 0
        /// Streams whose client went away before the end.
        var abandonedStreams = 0
        var completedStreams = 0
        /// Streams being sent now, and the most at once.
        var streamsInProgress = 0
        var peakStreams = 0
        /// Requests seen per `mock.key`, for `fail_times`.
        var keyed: [String: Int] = [:]

        // The OAuth token endpoint (`/v1/oauth/token`), with rotating refresh tokens.
        var validAccessTokens: Set<String> = []
        var validRefreshTokens: Set<String> = []
        var usedCodes: Set<String> = []
        var tokenSerial = 0
        var refreshCalls = 0
        /// Refresh requests received, counted on arrival (before `refreshDelayMs`).
        var refreshArrivals = 0
        /// Held refreshes whose client went away before they were released (not processed).
        var abandonedRefreshes = 0
        /// Answer 401 to every Messages request (an account-level refusal).
        var refuseAllBearers = false
        var exchangeCalls = 0
        var invalidGrants = 0
        var codeVerifiers: [String] = []
        /// Lifetime of issued access tokens.
        var expiresIn = 3600
        /// Delay before a refresh is processed (validity is checked after it).
        var refreshDelayMs = 0
        /// Refreshes wait while this is set (validity is checked once released), so a test can
        /// act while one is in flight however slowly the machine runs.
        var holdRefreshes = false
        /// Statuses to answer the next refreshes with, before succeeding again.
        var failRefreshes: [Int] = []
        /// The `retry-after` sent with those failures (seconds), when set.
        var failRefreshRetryAfter: String?
        /// The `error_description` of those failures; `$TOKEN` is replaced by the refresh token
        /// the request carried (a hostile or careless server echoing it).
        var failRefreshDescription = "mock outage"
        /// Answer 401 to Messages requests whose bearer token was not issued here.
        var enforceAccessTokens = false
        /// Requests that ask for `"held": true` get no answer while this is set, so a test can
        /// act while they wait however slowly the machine runs.
        var holdMessages = false
        /// `GET` requests (the model list, the daemon's start-up nickname check among them) get
        /// no answer while this is set.
        var holdModelList = false

        // Rate limits (see ``MockHandler/rateLimitHeaders(options:)``).
        /// Headers added to every Messages answer (a subscription's or an API key's limits).
        var limitHeaders: [(String, String)] = []
        /// Until this Unix time, Messages requests are refused: 429 `rate_limit_error` with the
        /// subscription's `rejected` headers and this reset.
        var rejectUntil: Double?
        /// Messages requests refused that way.
        var rateLimited = 0
        /// After `count` Messages requests, set ``rejectUntil`` to `until`.
        var rejectAfter: (count: Int, until: Double)?

        mutating func issue() -> (access: String, refresh: String) {
            tokenSerial += 1
            let pair = ("sk-ant-oat01-mock-access-\(tokenSerial)", "sk-ant-ort01-mock-refresh-\(tokenSerial)")
            validAccessTokens.insert(pair.0)
            validRefreshTokens.insert(pair.1)
            return pair
        }
    }

    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    let port: Int
    let counters = Mutex(Counters())

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let holder = Holder()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = holder.mock.withLock { $0 }!.counters.withLock {
                        $0.connections += 1
                        return $0.connections
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        MockHandler(mock: holder.mock.withLock { $0 }!, connection: id)
                    )
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress!.port!
        holder.mock.withLock { $0 = self }
    }

    /// Breaks the reference from the server to the mock at shutdown.
    final class Holder: Sendable {
        let mock = Mutex<MockUpstream?>(nil)
    }

    /// Stops the mock; later calls do nothing.
    func shutdown() {
        guard
            stopped.withLock({ stopped in
                defer { stopped = true }
                return !stopped
            })
        else { return }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Shuts the mock down and keeps its port bound without listening, until the returned
    /// descriptor is closed: connections to it are refused, and no other test's server can take
    /// the port meanwhile (tests run in parallel, and a freed port may be handed out again).
    func shutdownHoldingPort() -> Int32 {
        shutdown()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return descriptor
    }

    /// Registers a fresh token pair, as a login elsewhere would have.
    func issueTokens() -> (access: String, refresh: String) {
        counters.withLock { $0.issue() }
    }

    var tokenEndpoint: String { baseURL + "/v1/oauth/token" }

    var received: [Received] { counters.withLock { $0.received } }
    /// Messages API requests (`/v1/messages…`), not OAuth calls.
    var messageRequests: [Received] { received.filter { $0.method == "POST" && $0.uri.hasPrefix("/v1/messages") } }
    var connections: Int { counters.withLock { $0.connections } }

    /// Waits until the daemon's start-up nickname check (`GET /v1/models`) has reached this mock,
    /// so that it no longer competes for a pooled connection with what a test sends next.
    func waitForStartupCheck(_ timeout: Double = 20) async -> Bool {
        await waitFor(timeout) { $0.received.contains { $0.uri.hasPrefix("/v1/models") } }
    }

    /// Waits until `condition` holds, up to `timeout` seconds.
    func waitFor(_ timeout: Double = 5, _ condition: (Counters) -> Bool) async -> Bool {
        let deadline = WallClock.now() + timeout
        while WallClock.now() < deadline {
            if counters.withLock({ condition($0) }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return counters.withLock { condition($0) }
    }
}
