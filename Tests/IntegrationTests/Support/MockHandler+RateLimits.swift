import Foundation
import MaximizeCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Rate-limit headers, as the Anthropic API sends them, and refusals.
extension MockHandler {
    /// A subscription's headers with the 5-hour window at 42 % (`allowed`) and the weekly ones,
    /// resetting at `reset`.
    static func subscriptionHeaders(reset: Double, status: String = "allowed", utilization: Double = 0.42) -> [(String, String)] {
        let time = String(Int(reset))
        return [
            ("anthropic-ratelimit-unified-status", status),
            ("anthropic-ratelimit-unified-reset", time),
            ("anthropic-ratelimit-unified-representative-claim", "five_hour"),
            ("anthropic-ratelimit-unified-5h-utilization", String(utilization)),
            ("anthropic-ratelimit-unified-5h-reset", time),
            ("anthropic-ratelimit-unified-5h-status", status),
            ("anthropic-ratelimit-unified-7d-utilization", "0.17"),
            ("anthropic-ratelimit-unified-7d-reset", String(Int(reset) + 86400 * 3)),
            ("anthropic-ratelimit-unified-7d-status", "allowed"),
            ("anthropic-ratelimit-unified-7d_opus-utilization", "0.05"),
        ]
    }

    /// An API key's headers: 50 requests a minute (49 left), 40,000 tokens (39,000 left).
    static var apiKeyHeaders: [(String, String)] {
        [
            ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "49"),
            ("anthropic-ratelimit-requests-reset", "2026-11-27T19:00:30Z"),
            ("anthropic-ratelimit-tokens-limit", "40000"), ("anthropic-ratelimit-tokens-remaining", "39000"),
            ("anthropic-ratelimit-tokens-reset", "2026-11-27T19:00:30Z"),
        ]
    }

    /// The mock's `limitHeaders`, then the request's `mock.limit_headers`.
    func rateLimitHeaders(options: JSONObject) -> [(String, String)] {
        var headers = mock.counters.withLock { $0.limitHeaders }
        for member in options["limit_headers"]?.objectValue?.members ?? [] {
            headers.append((member.key, member.value.stringValue ?? member.value.jsonString))
        }
        return headers
    }

    /// 429 `rate_limit_error`: the subscription is `rejected` until `until`.
    func rejectForRateLimit(context: ChannelHandlerContext, until: Double) {
        mock.counters.withLock { $0.rateLimited += 1 }
        let headers = Self.subscriptionHeaders(reset: until, status: "rejected", utilization: 1) + [("request-id", "req_mock_limited")]
        let body: JSONValue = ["type": "error", "error": ["type": "rate_limit_error", "message": "mock: rate limit reached"]]
        writeWhole(context: context, status: 429, headers: headers, body: body.serialized())
    }

    /// The upstream's refusal of the long-context beta: 400 "not yet available", or 429 "needs
    /// usage credits"; `message` replaces the text.
    func refuseLongContext(context: ChannelHandlerContext, status: Int, message: String?) {
        let text =
            message
            ?? (status == 429
                ? "Extra usage is required for long context requests: purchase usage credits to continue."
                : "The long context beta is not yet available for this subscription.")
        let type = status == 429 ? "rate_limit_error" : "invalid_request_error"
        let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(text)]]
        writeWhole(context: context, status: status, headers: [("request-id", "req_mock_long_context")] + extraHeaders, body: body.serialized())
    }
}
