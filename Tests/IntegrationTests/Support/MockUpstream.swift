import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A mock Anthropic API on 127.0.0.1, started by a test: it records what it receives, answers
/// Messages JSON and realistic SSE, and fails on demand.
///
/// A request can choose its behaviour with a `"mock"` object in its JSON body (the proxy forwards
/// unknown fields): `status`, `events`, `delay_ms` (between events), `stall_ms` (before the head),
/// `retry_after`, `error_type`, `pad` (extra bytes per text delta), `fail_times` with `key` (answer
/// `status` only to the first N requests with that key, 200 after), `huge_bytes` (a JSON message
/// whose text is that long, sent in 64 KiB writes), `trickle_ms` (the JSON body in ten pieces, that
/// far apart); or `metadata.user_id` `mock-status-NNN` for an error status, `mock-huge-NNN` for
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
        /// The `error_description` of those failures; `$TOKEN` is replaced by the refresh token
        /// the request carried (a hostile or careless server echoing it).
        var failRefreshDescription = "mock outage"
        /// Answer 401 to Messages requests whose bearer token was not issued here.
        var enforceAccessTokens = false

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

    /// Registers a fresh token pair, as a login elsewhere would have.
    func issueTokens() -> (access: String, refresh: String) {
        counters.withLock { $0.issue() }
    }

    var tokenEndpoint: String { baseURL + "/v1/oauth/token" }

    var received: [Received] { counters.withLock { $0.received } }
    /// Messages API requests (`/v1/messages…`), not OAuth calls.
    var messageRequests: [Received] { received.filter { $0.method == "POST" && $0.uri.hasPrefix("/v1/messages") } }
    var connections: Int { counters.withLock { $0.connections } }

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

/// One connection to the mock.
final class MockHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let mock: MockUpstream
    let connection: Int
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    /// A stream is being sent; counted in `streamsInProgress` and `peakStreams`.
    var streaming = false {
        didSet {
            guard streaming != oldValue else { return }
            let change = streaming ? 1 : -1
            mock.counters.withLock {
                $0.streamsInProgress += change
                $0.peakStreams = max($0.peakStreams, $0.streamsInProgress)
            }
        }
    }

    init(mock: MockUpstream, connection: Int) {
        self.mock = mock
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let head else { return }
            let received = MockUpstream.Received(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) },
                body: body,
                connection: connection
            )
            mock.counters.withLock { $0.received.append(received) }
            respond(context: context, to: received)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if streaming {
            streaming = false
            mock.counters.withLock { $0.abandonedStreams += 1 }
        }
        context.fireChannelInactive()
    }

    func respond(context: ChannelHandlerContext, to request: MockUpstream.Received) {
        if request.uri.hasPrefix("/v1/oauth/token") {
            tokenEndpoint(context: context, request: request)
            return
        }
        if request.uri.hasPrefix("/v1/messages"), mock.counters.withLock({ $0.enforceAccessTokens }) {
            let bearer = request.header("authorization")?.replacingOccurrences(of: "Bearer ", with: "") ?? ""
            if mock.counters.withLock({ $0.refuseAllBearers || !$0.validAccessTokens.contains(bearer) }) {
                let body: JSONValue = [
                    "type": "error", "error": ["type": "authentication_error", "message": "invalid access token"],
                ]
                writeWhole(context: context, status: 401, headers: [], body: body.serialized())
                return
            }
        }
        var options = request.json?["mock"]?.objectValue ?? JSONObject()
        // Clients that cannot send unknown fields (the OpenAI route) ask through metadata.user_id.
        if let user = request.json?["metadata"]?["user_id"]?.stringValue, user.hasPrefix("mock-status-") {
            options["status"] = .number(String(user.dropFirst(12)))
            options["error_type"] = "overloaded_error"
        }
        if let user = request.json?["metadata"]?["user_id"]?.stringValue, user.hasPrefix("mock-huge-") {
            options["huge_bytes"] = .number(String(user.dropFirst(10)))
        }
        var status = options["status"]?.intValue ?? 200
        if let times = options["fail_times"]?.intValue, let key = options["key"]?.stringValue {
            let seen = mock.counters.withLock { counters in
                counters.keyed[key, default: 0] += 1
                return counters.keyed[key]!
            }
            if seen > times { status = 200 }
        }
        let stall = options["stall_ms"]?.intValue ?? 0
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let chosen = options
        let chosenStatus = status
        loop.scheduleTask(in: .milliseconds(Int64(stall))) {
            let (handler, context) = bound.value
            handler.answer(context: context, request: request, options: chosen, status: chosenStatus)
        }
    }

    func answer(context: ChannelHandlerContext, request: MockUpstream.Received, options: JSONObject, status: Int) {
        guard context.channel.isActive else { return }
        if options["reset_before_head"]?.boolValue == true {
            context.close(promise: nil)
            return
        }
        if let raw = options["raw_sse"]?.stringValue {
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "text/event-stream")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: raw)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let model = request.json?["model"]?.stringValue ?? "claude-sonnet-5"
        if status != 200 {
            var headers: [(String, String)] = [("request-id", "req_mock_error")]
            if let retry = options["retry_after"]?.intValue { headers.append(("retry-after", String(retry))) }
            headers.append(("anthropic-ratelimit-requests-remaining", "0"))
            let type = options["error_type"]?.stringValue ?? "api_error"
            let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": "mock failure"]]
            writeWhole(context: context, status: status, headers: headers, body: body.serialized())
            return
        }
        if request.method == "GET" {
            let list: JSONValue = [
                "data": [
                    ["type": "model", "id": "claude-sonnet-5", "display_name": "Claude Sonnet 5", "created_at": "2026-01-01T00:00:00Z"],
                    ["type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-01T00:00:00Z"],
                ],
                "has_more": false, "first_id": "claude-sonnet-5", "last_id": "claude-haiku-4-5",
            ]
            writeWhole(context: context, status: 200, headers: [], body: list.serialized())
            return
        }
        if request.uri.hasPrefix("/v1/messages/count_tokens") {
            writeWhole(context: context, status: 200, headers: [], body: Array(#"{"input_tokens":42}"#.utf8))
            return
        }
        let reply = MockReply(request: request.json ?? .null)
        if request.json?["stream"]?.boolValue == true {
            if let tool = reply.toolUse {
                streamToolUse(context: context, model: model, tool: tool)
            } else {
                stream(context: context, model: model, options: options, text: reply.text)
            }
            return
        }
        if let size = options["huge_bytes"]?.intValue {
            writeHuge(context: context, model: model, textBytes: size)
            return
        }
        var content: [JSONValue] = []
        if let thinking = reply.thinking { content.append(["type": "thinking", "thinking": .string(thinking), "signature": "sig"]) }
        if let tool = reply.toolUse {
            content.append(["type": "tool_use", "id": "toolu_mock_1", "name": .string(tool.name), "input": tool.input])
        } else {
            content.append(["type": "text", "text": .string(reply.text ?? "Hello from the mock.")])
        }
        let message: JSONValue = [
            "id": "msg_mock", "type": "message", "role": "assistant", "model": .string(model),
            "content": .array(content),
            "stop_reason": reply.toolUse == nil ? "end_turn" : "tool_use", "stop_sequence": nil,
            "usage": ["input_tokens": 10, "output_tokens": 5],
        ]
        if let trickle = options["trickle_ms"]?.intValue {
            writeTrickle(context: context, body: message.serialized(), intervalMs: trickle)
            return
        }
        writeWhole(context: context, status: 200, headers: [("request-id", "req_mock")], body: message.serialized())
    }

    /// A valid message whose text is `textBytes` long, written 64 KiB at a time as the socket drains.
    func writeHuge(context: ChannelHandlerContext, model: String, textBytes: Int) {
        let prefix = Array(#"{"id":"msg_huge","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":""#.utf8)
        let suffix = Array(#""}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5}}"#.utf8)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(prefix.count + textBytes + suffix.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: prefix)))), promise: nil)
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 << 10)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        @Sendable func next(_ remaining: Int) {
            let (handler, context) = bound.value
            guard context.channel.isActive else { return }
            guard remaining > 0 else {
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: suffix)))), promise: nil)
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            let piece = chunk.getSlice(at: 0, length: min(remaining, chunk.readableBytes))!
            context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(piece)))).whenSuccess {
                next(remaining - piece.readableBytes)
            }
        }
        next(textBytes)
    }

    /// `body` in ten pieces, `intervalMs` apart.
    func writeTrickle(context: ChannelHandlerContext, body: [UInt8], intervalMs: Int) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        let size = (body.count + 9) / 10
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        for index in 0..<10 {
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(intervalMs * (index + 1)))) {
                let (handler, context) = bound.value
                guard context.channel.isActive else { return }
                let start = min(body.count, index * size)
                let piece = ByteBuffer(bytes: body[start..<min(body.count, start + size)])
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(piece))), promise: nil)
                if index == 9 { context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil) }
            }
        }
    }

    /// OAuth: code exchange (`good-code` works once; `expired-code` never) and refresh with rotation.
    /// `held`: a refresh coming back to check `holdRefreshes` again (counted and delayed already).
    func tokenEndpoint(context: ChannelHandlerContext, request: MockUpstream.Received, held: Bool = false) {
        let json = request.json
        let grant = json?["grant_type"]?.stringValue
        if grant == "refresh_token", !held { mock.counters.withLock { $0.refreshArrivals += 1 } }
        let holdable = grant == "refresh_token" && request.header("x-mock-no-delay") == nil
        let delay = held ? 10 : holdable ? mock.counters.withLock { $0.refreshDelayMs } : 0
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay))) {
            let (handler, context) = bound.value
            if holdable, handler.mock.counters.withLock({ $0.holdRefreshes }) {
                handler.tokenEndpoint(context: context, request: request, held: true)
                return
            }
            // A held request whose client has gone is not processed: a server that has not
            // answered yet has not rotated anything either.
            if held, !context.channel.isActive {
                handler.mock.counters.withLock { $0.abandonedRefreshes += 1 }
                return
            }
            let (status, body) = handler.mock.counters.withLock { counters -> (Int, JSONValue) in
                func grantError(_ description: String) -> (Int, JSONValue) {
                    counters.invalidGrants += 1
                    return (400, ["error": "invalid_grant", "error_description": .string(description)])
                }
                func tokens() -> (Int, JSONValue) {
                    let pair = counters.issue()
                    return (
                        200,
                        [
                            "token_type": "Bearer", "access_token": .string(pair.access), "refresh_token": .string(pair.refresh),
                            "expires_in": .int(counters.expiresIn), "scope": "user:inference user:profile",
                        ]
                    )
                }
                switch grant {
                case "authorization_code":
                    counters.exchangeCalls += 1
                    counters.codeVerifiers.append(json?["code_verifier"]?.stringValue ?? "")
                    let code = json?["code"]?.stringValue ?? ""
                    guard (json?["code_verifier"]?.stringValue?.count ?? 0) >= 43 else {
                        return (400, ["error": "invalid_request", "error_description": "code_verifier missing"])
                    }
                    if code == "expired-code" { return grantError("Authorization code has expired") }
                    if code != "good-code" { return grantError("Invalid authorization code") }
                    if counters.usedCodes.contains(code) { return grantError("Authorization code already used") }
                    counters.usedCodes.insert(code)
                    return tokens()
                case "refresh_token":
                    counters.refreshCalls += 1
                    if !counters.failRefreshes.isEmpty {
                        let status = counters.failRefreshes.removeFirst()
                        let echoed = counters.failRefreshDescription.replacing(
                            "$TOKEN",
                            with: json?["refresh_token"]?.stringValue ?? ""
                        )
                        return (status, ["error": "server_error", "error_description": .string(echoed)])
                    }
                    let token = json?["refresh_token"]?.stringValue ?? ""
                    guard counters.validRefreshTokens.remove(token) != nil else {
                        return grantError("Refresh token not found or invalid")
                    }
                    return tokens()
                default:
                    return (400, ["error": "unsupported_grant_type"])
                }
            }
            var headers: [(String, String)] = []
            if status == 429 { headers.append(("retry-after", "1")) }
            handler.writeWhole(context: context, status: status, headers: headers, body: body.serialized())
        }
    }

    func writeWhole(context: ChannelHandlerContext, status: Int, headers: [(String, String)], body: [UInt8]) {
        var httpHeaders = HTTPHeaders(headers)
        httpHeaders.add(name: "content-type", value: "application/json")
        httpHeaders.add(name: "content-length", value: String(body.count))
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: httpHeaders))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// One server-sent event.
    static func event(_ name: String, _ data: JSONValue) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + data.serialized() + Array("\n\n".utf8)
    }

    /// The `message_start` event every stream opens with.
    static func messageStart(model: String) -> [UInt8] {
        event(
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": "msg_mock", "type": "message", "role": "assistant", "model": .string(model), "content": [],
                    "stop_reason": nil, "stop_sequence": nil, "usage": ["input_tokens": 10, "output_tokens": 1],
                ],
            ]
        )
    }

    /// A tool call streamed as Anthropic does: `tool_use` start, then `input_json_delta` pieces.
    func streamToolUse(context: ChannelHandlerContext, model: String, tool: (name: String, input: JSONValue)) {
        var events: [[UInt8]] = [Self.messageStart(model: model)]
        func event(_ name: String, _ data: JSONValue) { events.append(Self.event(name, data)) }
        event(
            "content_block_start",
            [
                "type": "content_block_start", "index": 0,
                "content_block": ["type": "tool_use", "id": "toolu_mock_1", "name": .string(tool.name), "input": [:]],
            ]
        )
        let json = Array(tool.input.jsonString)
        let middle = json.count / 2
        for part in [String(json[..<middle]), String(json[middle...])] {
            event(
                "content_block_delta",
                [
                    "type": "content_block_delta", "index": 0,
                    "delta": ["type": "input_json_delta", "partial_json": .string(part)],
                ]
            )
        }
        event("content_block_stop", ["type": "content_block_stop", "index": 0])
        event("message_delta", ["type": "message_delta", "delta": ["stop_reason": "tool_use", "stop_sequence": nil], "usage": ["output_tokens": 7]])
        event("message_stop", ["type": "message_stop"])
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        sendEvents(context: context, events: events[...], delay: 0)
    }

    /// Anthropic's event sequence, one event per write, `delay_ms` apart.
    func stream(context: ChannelHandlerContext, model: String, options: JSONObject, text: String? = nil) {
        let count = options["events"]?.intValue ?? 5
        let delay = Int64(options["delay_ms"]?.intValue ?? 0)
        let padding = String(repeating: "x", count: options["pad"]?.intValue ?? 0)
        var events: [[UInt8]] = [Self.messageStart(model: model)]
        func event(_ name: String, _ data: JSONValue) { events.append(Self.event(name, data)) }
        event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]])
        for index in 0..<count {
            event(
                "content_block_delta",
                [
                    "type": "content_block_delta", "index": 0,
                    "delta": ["type": "text_delta", "text": .string("word\(index) " + padding)],
                ]
            )
        }
        event("content_block_stop", ["type": "content_block_stop", "index": 0])
        event(
            "message_delta",
            [
                "type": "message_delta", "delta": ["stop_reason": "end_turn", "stop_sequence": nil],
                "usage": ["output_tokens": .int(count)],
            ]
        )
        event("message_stop", ["type": "message_stop"])

        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "request-id", value: "req_mock_stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        if let cut = options["reset_after_events"]?.intValue {
            // Send a few events, then drop the connection mid-stream.
            sendEvents(context: context, events: events.prefix(cut), delay: delay, thenReset: true)
            return
        }
        sendEvents(context: context, events: events[...], delay: delay)
    }

    func sendEvents(context: ChannelHandlerContext, events: ArraySlice<[UInt8]>, delay: Int64, thenReset: Bool = false) {
        guard streaming, context.channel.isActive else { return }
        if events.isEmpty, thenReset {
            streaming = false
            context.close(promise: nil)
            return
        }
        guard let first = events.first else {
            streaming = false
            mock.counters.withLock { $0.completedStreams += 1 }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: first)))), promise: nil)
        let rest = events.dropFirst()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if delay == 0 {
            sendEvents(context: context, events: rest, delay: 0, thenReset: thenReset)
        } else {
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                bound.value.0.sendEvents(context: bound.value.1, events: rest, delay: delay, thenReset: thenReset)
            }
        }
    }
}

/// What the mock answers, from what the request holds: a tool call when tools are offered and no
/// result came back yet, a description of an image, a tool result echoed, thinking when enabled.
struct MockReply {
    var text: String?
    var toolUse: (name: String, input: JSONValue)?
    var thinking: String?

    init(request: JSONValue) {
        let messages = request["messages"]?.arrayValue ?? []
        let lastContent = messages.last?["content"]?.arrayValue ?? []
        if request["thinking"]?["type"]?.stringValue == "enabled" { thinking = "Let me think." }
        if let result = lastContent.first(where: { $0["type"]?.stringValue == "tool_result" }) {
            text = "Tool said: \(result["content"]?.stringValue ?? "")"
        } else if let image = lastContent.first(where: { $0["type"]?.stringValue == "image" }) {
            let source = image["source"]
            text = "I see an image: \(source?["type"]?.stringValue ?? "") \(source?["media_type"]?.stringValue ?? source?["url"]?.stringValue ?? "")"
        } else if let tool = request["tools"]?.arrayValue?.first?["name"]?.stringValue {
            toolUse = (tool, ["city": "Paris"])
        }
    }
}
