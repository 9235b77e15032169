import Prometheus
import Testing

@testable import MaximizeCore
@testable import MaximizeSidecar

struct DaemonMetricsTests {
    private func exposition(_ metrics: DaemonMetrics) -> String {
        var buffer: [UInt8] = []
        metrics.registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    private func lines(_ text: String, starting prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test func repeatedLabelsCountOnOneSeries() {
        let metrics = DaemonMetrics()
        metrics.request(route: "messages", status: 200)
        metrics.request(route: "messages", status: 200)
        metrics.request(route: "messages", status: 529)
        metrics.refresh(result: "refreshed")
        metrics.refresh(result: "refreshed")
        metrics.reload(result: "applied")
        metrics.tokens(UsageScanner.Usage(inputTokens: 3, outputTokens: 4))
        metrics.tokens(UsageScanner.Usage(inputTokens: 5, outputTokens: 0))
        let text = exposition(metrics)
        let requests = lines(text, starting: "maximize_requests_total{")
        #expect(requests.count == 2)
        #expect(requests.contains { $0.contains(#"status="200""#) && $0.hasSuffix(" 2") })
        #expect(requests.contains { $0.contains(#"status="529""#) && $0.hasSuffix(" 1") })
        #expect(lines(text, starting: "maximize_token_refreshes_total{") == [#"maximize_token_refreshes_total{result="refreshed"} 2"#])
        #expect(lines(text, starting: "maximize_config_reloads_total{") == [#"maximize_config_reloads_total{result="applied"} 1"#])
        let tokens = lines(text, starting: "maximize_tokens_total{")
        #expect(tokens.contains(#"maximize_tokens_total{type="input"} 8"#))
        #expect(tokens.contains(#"maximize_tokens_total{type="output"} 4"#))
        // Every type is there from the start, at 0 until a response reports it.
        #expect(tokens.contains(#"maximize_tokens_total{type="cache_read_input"} 0"#))
        #expect(tokens.count == 4)
    }

    @Test func latencyKeepsOneHistogramPerRoute() {
        let metrics = DaemonMetrics()
        metrics.upstreamLatency(route: "messages", nanoseconds: 1_000_000)
        metrics.upstreamLatency(route: "messages", nanoseconds: 2_000_000)
        let counts = lines(exposition(metrics), starting: "maximize_upstream_latency_seconds_count")
        #expect(counts == [#"maximize_upstream_latency_seconds_count{route="messages"} 2"#])
    }
}
