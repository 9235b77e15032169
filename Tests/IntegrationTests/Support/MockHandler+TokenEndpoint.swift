import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The OAuth token endpoint and whole answers.
extension MockHandler {
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
            if status >= 500, let retryAfter = handler.mock.counters.withLock({ $0.failRefreshRetryAfter }) {
                headers.append(("retry-after", retryAfter))
            }
            handler.writeWhole(context: context, status: status, headers: headers, body: body.serialized())
        }
    }

    func writeWhole(context: ChannelHandlerContext, status: Int, reason: String = "", headers: [(String, String)], body: [UInt8]) {
        var httpHeaders = HTTPHeaders(headers)
        httpHeaders.add(name: "content-type", value: "application/json")
        httpHeaders.add(name: "content-length", value: String(body.count))
        context.write(
            wrapOutboundOut(
                .head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status, reasonPhrase: reason), headers: httpHeaders))
            ),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
