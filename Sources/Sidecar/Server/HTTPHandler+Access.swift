import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// Writes the exchange's access line (`server.access_log`, at `info`), once, when it ends:
    /// every route that goes upstream, whether the upstream answered, the proxy answered itself,
    /// or the client went away. Never a prompt, never a credential: the body is not looked at
    /// again, and text from outside (the model asked for, a reason, the request id) is cleaned.
    /// - Parameter status: the status the client got; 499 when it went away before any answer.
    func logAccess(_ exchange: ExchangeContext, status: Int) {
        guard !exchange.access.logged else { return }
        exchange.access.logged = true
        let configuration = exchange.configuration
        guard ExchangeStateMachine.goesUpstream(exchange.route), configuration.settings.server.accessLog,
            configuration.logger.logLevel <= .info
        else { return }
        configuration.logger.info("access", metadata: Self.accessMetadata(exchange, status: status, now: WallClock.monotonicNanoseconds()))
    }

    static func accessMetadata(_ exchange: ExchangeContext, status: Int, now: UInt64) -> Logger.Metadata {
        let access = exchange.access
        let shaped = exchange.request?.shaped
        func milliseconds(_ end: UInt64) -> Double {
            Double((end &- exchange.startedAt) / 1000) / 1000
        }
        // Sized once: the fields are set one by one, with no growth on the way.
        var metadata = Logger.Metadata(minimumCapacity: 24)
        metadata["route"] = .string(exchange.route.label)
        metadata["method"] = .string(exchange.head.method.rawValue)
        metadata["status"] = .stringConvertible(status)
        metadata["stream"] = .stringConvertible(shaped?.stream ?? false)
        metadata["head_ms"] = .stringConvertible(milliseconds(access.headAt ?? now))
        metadata["duration_ms"] = .stringConvertible(milliseconds(now))
        metadata["bytes_in"] = .stringConvertible(max(exchange.bytesIn, exchange.body.readableBytes))
        metadata["bytes_out"] = .stringConvertible(exchange.bytesOut)
        metadata["client_gone"] = .stringConvertible(access.clientGone)
        metadata["retries"] = .stringConvertible(access.retries.count)
        if let shaped {
            if let requested = shaped.requestedModel { metadata["model"] = .string(clean(requested, limit: 100)) }
            metadata["model_upstream"] = .string(clean(shaped.model, limit: 100))
        }
        if !access.retries.isEmpty {
            metadata["retry_reasons"] = .string(access.retries.map(\.rawValue).joined(separator: ","))
        }
        if let id = access.requestID { metadata["request_id"] = .string(clean(id, limit: 100)) }
        if let usage = access.usage {
            metadata["input_tokens"] = .stringConvertible(usage.inputTokens)
            metadata["output_tokens"] = .stringConvertible(usage.outputTokens)
            metadata["cache_creation_input_tokens"] = .stringConvertible(usage.cacheCreationInputTokens)
            metadata["cache_read_input_tokens"] = .stringConvertible(usage.cacheReadInputTokens)
        }
        if let error = access.error { metadata["error"] = .string(error) }
        if let reason = access.reason { metadata["reason"] = .string(clean(reason, limit: 200)) }
        return metadata
    }

    /// Text from outside as ``ExternalText/clean(_:limit:secrets:)`` makes it, without its cost
    /// for the usual case: short printable ASCII (a model id, a request id) is already clean.
    static func clean(_ text: String, limit: Int) -> String {
        if text.utf8.count <= limit, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        return ExternalText.clean(text, limit: limit)
    }
}
