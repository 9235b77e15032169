import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One connection to the mock.
final class MockHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let mock: MockUpstream
    let connection: Int
    var head: HTTPRequestHead?
    /// Headers added to the Messages answer being written (rate limits).
    var extraHeaders: [(String, String)] = []
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
        if request.json?["metadata"]?["user_id"]?.stringValue == "mock-stream-error" {
            options["raw_sse"] = .string(Self.streamThatFails(model: request.json?["model"]?.stringValue ?? "claude-sonnet-5"))
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
            handler.answerUnlessHeld(context: context, request: request, options: chosen, status: chosenStatus)
        }
    }

    /// Answers, or checks again in 10 ms while the request asks to be held and the mock holds
    /// (or it is a `GET` and the mock holds the model list).
    func answerUnlessHeld(context: ChannelHandlerContext, request: MockUpstream.Received, options: JSONObject, status: Int) {
        let held = mock.counters.withLock { counters in
            (options["held"]?.boolValue == true && counters.holdMessages) || (request.method == "GET" && counters.holdModelList)
        }
        guard held else {
            answer(context: context, request: request, options: options, status: status)
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(10)) {
            let (handler, context) = bound.value
            handler.answerUnlessHeld(context: context, request: request, options: options, status: status)
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
        extraHeaders = request.uri.hasPrefix("/v1/messages") ? rateLimitHeaders(options: options) : []
        let rejectUntil = mock.counters.withLock { counters in
            if let after = counters.rejectAfter, counters.received.filter({ $0.uri.hasPrefix("/v1/messages") }).count > after.count {
                counters.rejectUntil = after.until
                counters.rejectAfter = nil
            }
            return counters.rejectUntil
        }
        if request.uri.hasPrefix("/v1/messages"), let until = rejectUntil, WallClock.now() < until {
            rejectForRateLimit(context: context, until: until)
            return
        }
        if let refusal = options["long_context_refusal"]?.intValue,
            request.header("anthropic-beta")?.contains("context-1m-") == true
        {
            refuseLongContext(context: context, status: refusal, message: options["long_context_message"]?.stringValue)
            return
        }
        if status != 200 {
            var headers: [(String, String)] = [("request-id", "req_mock_error")] + extraHeaders
            if let retry = options["retry_after"]?.intValue { headers.append(("retry-after", String(retry))) }
            if let date = options["retry_after"]?.stringValue { headers.append(("retry-after", date)) }
            headers.append(("anthropic-ratelimit-requests-remaining", "0"))
            let type = options["error_type"]?.stringValue ?? "api_error"
            let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": "mock failure"]]
            let reason = options["reason"]?.stringValue ?? ""
            writeWhole(context: context, status: status, reason: reason, headers: headers, body: body.serialized())
            return
        }
        if request.method == "GET" {
            answerModels(context: context, request: request)
            return
        }
        if request.uri.hasPrefix("/v1/messages/count_tokens") {
            writeWhole(context: context, status: 200, headers: [], body: Array(#"{"input_tokens":42}"#.utf8))
            return
        }
        if let json = request.json, answerStructured(context: context, request: json, model: model) { return }
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
        writeWhole(context: context, status: 200, headers: [("request-id", "req_mock")] + extraHeaders, body: message.serialized())
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
}
