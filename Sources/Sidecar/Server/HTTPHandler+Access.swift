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
        let fields = Self.accessFields(exchange, status: status, now: WallClock.monotonicNanoseconds())
        if let writer = configuration.fieldWriter {
            writer.write(level: .info, message: "access", source: Self.accessSource, fields: fields)
        } else {
            configuration.logger.info("access", metadata: fields.metadata)
        }
    }

    /// The source swift-log gives a line logged from this module.
    static let accessSource = "MaximizeSidecar"

    /// The access line's fields, sorted by key (as both formats write them).
    static func accessFields(_ exchange: ExchangeContext, status: Int, now: UInt64) -> LogFields {
        let access = exchange.access
        let shaped = exchange.request?.shaped
        func milliseconds(_ end: UInt64) -> LogFields.Value {
            .number(Double((end &- exchange.startedAt) / 1000) / 1000)
        }
        var fields = LogFields(capacity: 20)
        fields.append("bytes_in", .integer(max(exchange.bytesIn, exchange.body.readableBytes)))
        fields.append("bytes_out", .integer(exchange.bytesOut))
        if let usage = access.usage {
            fields.append("cache_creation_input_tokens", .integer(usage.cacheCreationInputTokens))
            fields.append("cache_read_input_tokens", .integer(usage.cacheReadInputTokens))
        }
        fields.append("client_gone", .flag(access.clientGone))
        fields.append("duration_ms", milliseconds(now))
        if let error = access.error { fields.append("error", .text(error)) }
        fields.append("head_ms", milliseconds(access.headAt ?? now))
        if let usage = access.usage { fields.append("input_tokens", .integer(usage.inputTokens)) }
        fields.append("method", .text(exchange.head.method.rawValue))
        if let shaped {
            if let requested = shaped.requestedModel { fields.append("model", .text(clean(requested, limit: 100))) }
            fields.append("model_upstream", .text(clean(shaped.model, limit: 100)))
        }
        if let usage = access.usage { fields.append("output_tokens", .integer(usage.outputTokens)) }
        if let reason = access.reason { fields.append("reason", .text(clean(reason, limit: 200))) }
        if let id = access.requestID { fields.append("request_id", .text(clean(id, limit: 100))) }
        fields.append("retries", .integer(access.retries.count))
        if !access.retries.isEmpty {
            fields.append("retry_reasons", .text(access.retries.map(\.rawValue).joined(separator: ",")))
        }
        fields.append("route", .text(exchange.route.label))
        fields.append("status", .integer(status))
        fields.append("stream", .flag(shaped?.stream ?? false))
        return fields
    }

    /// Text from outside as ``ExternalText/clean(_:limit:secrets:)`` makes it, without its cost
    /// for the usual case: short printable ASCII (a model id, a request id) is already clean.
    static func clean(_ text: String, limit: Int) -> String {
        if text.utf8.count <= limit, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        return ExternalText.clean(text, limit: limit)
    }
}
