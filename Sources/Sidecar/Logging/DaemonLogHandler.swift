import Logging
import MaximizeCore

/// The daemon's log handler: swift-log's own text line (``StreamLogHandler``, unchanged), or one
/// JSON object per line (``JSONLogLine``), as the shared ``LogOutput`` says at each record.
///
/// Secrets are kept out where the text is made (``Secret`` prints `<redacted>`, text from
/// outside goes through ``ExternalText``), so both formats carry the same, redacted, content.
struct DaemonLogHandler: LogHandler {
    let label: String
    let output: LogOutput
    /// The text format, and the keeper of this handler's level, metadata and metadata provider.
    private var text: StreamLogHandler

    init(label: String, output: LogOutput = .standardError) {
        self.label = label
        self.output = output
        self.text = StreamLogHandler.standardError(label: label)
    }

    var logLevel: Logger.Level {
        get { text.logLevel }
        set { text.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { text.metadata }
        set { text.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { text.metadataProvider }
        set { text.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { text.metadata[key] }
        set { text.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard output.format == .json else {
            text.log(event: event)
            return
        }
        var merged = text.metadata
        if let provided = text.metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        output.write(
            JSONLogLine.encode(time: JSONLogLine.now(), level: event.level, label: label, message: event.message.description, metadata: merged)
        )
    }
}
