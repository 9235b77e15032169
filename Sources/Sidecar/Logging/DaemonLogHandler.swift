import Logging
import MaximizeCore

/// The daemon's log handler: swift-log's text line (as its `StreamLogHandler` writes it, see
/// ``TextLogLine``) or one JSON object per line (``JSONLogLine``), as the shared ``LogOutput``
/// says at each record; either way one `write(2)` per line.
///
/// Secrets are kept out where the text is made (``Secret`` prints `<redacted>`, text from
/// outside goes through ``ExternalText``), so both formats carry the same, redacted, content.
struct DaemonLogHandler: LogHandler {
    let label: String
    let output: LogOutput
    var logLevel = Logger.Level.info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, output: LogOutput = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = fields(of: event)
        let time = JSONLogLine.now()
        switch output.format {
        case .json:
            output.write(JSONLogLine.encode(time: time, level: event.level, label: label, message: event.message.description, metadata: fields))
        case .text:
            output.write(
                TextLogLine.encode(
                    seconds: time.seconds,
                    level: event.level,
                    label: label,
                    source: event.source,
                    message: event.message.description,
                    metadata: fields
                )
            )
        }
    }

    /// Writes a record whose fields come in order, without swift-log's metadata (the access
    /// line). Only for a handler with no metadata of its own (``takesFields``).
    func write(level: Logger.Level, message: String, source: String, fields: LogFields) {
        let time = JSONLogLine.now()
        switch output.format {
        case .json:
            output.write(JSONLogLine.encode(time: time, level: level, label: label, message: message, fields: fields))
        case .text:
            output.write(
                TextLogLine.encode(seconds: time.seconds, level: level, label: label, source: source, message: message, fields: fields)
            )
        }
    }

    /// Whether ``write(level:message:source:fields:)`` writes what `log` would: nothing of the
    /// handler's own to merge in.
    var takesFields: Bool { metadata.isEmpty && metadataProvider == nil }

    /// This handler's metadata, then the provider's, then the call's, then the error's (as
    /// `StreamLogHandler` merges them).
    func fields(of event: LogEvent) -> Logger.Metadata {
        let provided = metadataProvider?.get() ?? [:]
        // The usual case, a logger without metadata of its own, takes the call's as it is.
        guard !metadata.isEmpty || !provided.isEmpty || event.error != nil else { return event.metadata ?? [:] }
        var merged = metadata
        if !provided.isEmpty { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata, !explicit.isEmpty { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return merged
    }
}
