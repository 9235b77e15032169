import Logging
import MaximizeCore
import MaximizeCurl
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import MaximizeSidecar

/// A transfer the fake upstream started: the test plays the upstream through `delegate`.
final class FakeTransfer: UpstreamTransferControl {
    let request: UpstreamRequest
    let delegate: any UpstreamDelegate
    let cancelled = Atomic<Bool>(false)
    let resumes = Atomic<Int>(0)

    init(request: UpstreamRequest, delegate: any UpstreamDelegate) {
        self.request = request
        self.delegate = delegate
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    var resumeCount: Int { resumes.load(ordering: .relaxed) }

    func cancel() { cancelled.store(true, ordering: .relaxed) }
    func resume() { resumes.add(1, ordering: .relaxed) }

    var bodyText: String { String(decoding: request.body ?? [], as: UTF8.self) }

    func head(_ status: Int, _ headers: [(name: String, value: String)] = [("content-type", "application/json")]) {
        delegate.upstreamDidReceiveHead(UpstreamResponseHead(status: status, headers: headers))
    }

    @discardableResult
    func body(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { delegate.upstreamDidReceive($0) }
    }

    func end(_ error: UpstreamError? = nil) { delegate.upstreamDidComplete(error) }
}

/// The upstream seam: records what the handler starts.
final class FakeUpstream: UpstreamTransport {
    let transfers = Mutex<[FakeTransfer]>([])

    func start(_ request: UpstreamRequest, delegate: any UpstreamDelegate) -> any UpstreamTransferControl {
        let transfer = FakeTransfer(request: request, delegate: delegate)
        transfers.withLock { $0.append(transfer) }
        return transfer
    }

    var started: [FakeTransfer] { transfers.withLock { $0 } }
}

/// The credential seam: answers at once with `result`, or holds the answer when `hold` is set.
final class FakeCredentials: CredentialProvider, @unchecked Sendable {
    var result: Result<Credential, ExchangeError> = .success(.apiKey(Secret("sk-ant-api-fake")))
    var hold = false
    var calls: [Secret?] = []
    var held: ((Result<Credential, ExchangeError>) -> Void)?

    var expectedKind: CredentialKind { (try? result.get())?.kind ?? .none }

    func obtain(refused: Secret?, on eventLoop: any EventLoop, _ done: @escaping (Result<Credential, ExchangeError>) -> Void) {
        calls.append(refused)
        if hold { held = done } else { done(result) }
    }
}

/// One `HTTPHandler` on an `EmbeddedChannel`, with fake upstream and credentials.
final class ExchangeHarness {
    let channel: EmbeddedChannel
    let upstream = FakeUpstream()
    let credentials = FakeCredentials()
    let daemon: DaemonContext
    let client = CurlClient()

    init(_ adjust: (inout Settings) -> Void = { _ in }) throws {
        let paths = MaximizePaths.resolve(stateDirectory: "/tmp/maximize-unit-exchange", environment: [:])
        var loaded = try ConfigurationLoader(paths: paths, environment: [:]).load(fileContents: nil)
        loaded.settings.api.baseURL = "http://upstream.test"
        adjust(&loaded.settings)
        daemon = DaemonContext(
            paths: paths,
            configuration: RuntimeConfiguration(loaded: loaded, baseLogger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })),
            credentials: CredentialStore(file: TokenFileStore(path: "/tmp/maximize-unit-exchange/none/tokens.json")),
            client: client
        )
        channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTPHandler(daemon: daemon, upstream: upstream, credentials: credentials))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    deinit {
        _ = try? channel.finish()
        client.shutdown()
    }

    func sendHead(_ method: HTTPMethod = .POST, _ uri: String = "/v1/messages", headers: [(String, String)] = []) throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers = HTTPHeaders(headers.contains { $0.0.lowercased() == "host" } ? headers : [("host", "localhost")] + headers)
        try channel.writeInbound(HTTPServerRequestPart.head(head))
    }

    func sendBody(_ text: String) throws {
        try channel.writeInbound(HTTPServerRequestPart.body(channel.allocator.buffer(string: text)))
    }

    func sendEnd() throws {
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    func request(
        _ method: HTTPMethod = .POST,
        _ uri: String = "/v1/messages",
        headers: [(String, String)] = [],
        body: String? = #"{"model":"claude-test","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
    ) throws {
        try sendHead(method, uri, headers: headers)
        if let body { try sendBody(body) }
        try sendEnd()
    }

    /// Runs the work queued on the loop (the responder's batches, scheduled retries).
    func run() { channel.embeddedEventLoop.run() }

    /// What the client received so far.
    struct Received {
        var head: HTTPResponseHead?
        var body = ""
        var ended = false
        var status: Int { Int(head?.status.code ?? 0) }
        var json: JSONValue? { try? JSONParser.parse(Array(body.utf8)) }
    }

    func received() throws -> Received {
        var received = Received()
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head) where head.status != .continue: received.head = head
            case .head: break
            case .body(.byteBuffer(let buffer)): received.body += String(buffer: buffer)
            case .body: break
            case .end: received.ended = true
            }
        }
        return received
    }

    var inFlight: Int { daemon.stats.inFlight.load(ordering: .relaxed) }
    var failed: Int { daemon.stats.failed.load(ordering: .relaxed) }
}
