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
        var metadata: Logger.Metadata = [
            "route": .string(exchange.route.label),
            "method": .string(exchange.head.method.rawValue),
            "status": .stringConvertible(status),
            "stream": .stringConvertible(shaped?.stream ?? false),
            "head_ms": .stringConvertible(milliseconds(access.headAt ?? now)),
            "duration_ms": .stringConvertible(milliseconds(now)),
            "bytes_in": .stringConvertible(max(exchange.bytesIn, exchange.body.readableBytes)),
            "bytes_out": .stringConvertible(exchange.bytesOut),
            "client_gone": .stringConvertible(access.clientGone),
            "retries": .stringConvertible(access.retries.count),
        ]
        if let shaped {
            if let requested = shaped.requestedModel { metadata["model"] = .string(ExternalText.clean(requested, limit: 100)) }
            metadata["model_upstream"] = .string(ExternalText.clean(shaped.model, limit: 100))
        }
        if !access.retries.isEmpty {
            metadata["retry_reasons"] = .string(access.retries.map(\.rawValue).joined(separator: ","))
        }
        if let id = access.requestID { metadata["request_id"] = .string(ExternalText.clean(id, limit: 100)) }
        if let usage = access.usage {
            metadata["input_tokens"] = .stringConvertible(usage.inputTokens)
            metadata["output_tokens"] = .stringConvertible(usage.outputTokens)
            metadata["cache_creation_input_tokens"] = .stringConvertible(usage.cacheCreationInputTokens)
            metadata["cache_read_input_tokens"] = .stringConvertible(usage.cacheReadInputTokens)
        }
        if let error = access.error { metadata["error"] = .string(error) }
        if let reason = access.reason { metadata["reason"] = .string(ExternalText.clean(reason, limit: 200)) }
        return metadata
    }
}
