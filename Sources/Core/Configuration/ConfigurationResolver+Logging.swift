extension ConfigurationResolver {
    /// `server.log_format` and `server.access_log`, set on `server`.
    mutating func logging(_ server: inout Settings.Server) throws(ConfigurationError) {
        let (formatText, formatSource) = try stringWithSource(
            "server.log_format",
            env: ["MAXIMIZE_LOG_FORMAT"],
            default: LogFormat.text.rawValue
        )
        guard let format = LogFormat(rawValue: formatText.lowercased()) else {
            throw failure(
                "server.log_format",
                formatSource,
                "must be text or json, got \"\(ExternalText.clean(formatText, limit: 40))\""
            )
        }
        server.logFormat = format
        server.accessLog = try boolean("server.access_log", default: true)
    }
}
