/// How the daemon writes its log lines on stderr (`server.log_format`).
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    /// swift-log's text line: `2026-11-27T10:18:09+0000 info maximize: key=value [maximize] message`.
    case text
    /// One JSON object per line (``JSONLogLine``), for a log pipeline.
    case json

    /// The format asked for before `config.json` is read (`--log-format`, then `MAXIMIZE_LOG_FORMAT`),
    /// so that start-up errors honour it; `nil` when neither names a known format.
    public static func early(flag: String?, environment: [String: String]) -> LogFormat? {
        if let flag { return LogFormat(rawValue: flag.lowercased()) }
        return environment["MAXIMIZE_LOG_FORMAT"].flatMap { LogFormat(rawValue: $0.lowercased()) }
    }
}
