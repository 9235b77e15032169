import Glibc
public import Logging

/// One log record in swift-log's own text format (`server.log_format: text`), byte for byte as
/// `StreamLogHandler` writes it, built directly into bytes so that a per-request line stays cheap:
///
///     2026-11-27T10:18:09+0000 info maximize: route=/v1/messages status=200 [MaximizeSidecar] access
///
/// The time is local with its UTC offset, whole seconds; the metadata is sorted by key, each
/// value as its description.
public enum TextLogLine {
    /// The line for one record, with its newline.
    public static func encode(
        seconds: Int,
        level: Logger.Level,
        label: String,
        source: String,
        message: String,
        metadata: Logger.Metadata?
    ) -> [UInt8] {
        var line = start(seconds: seconds, level: level, label: label, capacity: message.utf8.count + (metadata?.count ?? 0) * 24)
        if let metadata, !metadata.isEmpty {
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                line.append(UInt8(ascii: " "))
                line.append(contentsOf: key.utf8)
                line.append(UInt8(ascii: "="))
                switch value {
                case .string(let text): line.append(contentsOf: text.utf8)
                default: line.append(contentsOf: value.description.utf8)
                }
            }
        }
        finish(&line, source: source, message: message)
        return line
    }

    /// The line for one record whose fields come in order (``LogFields``): the same bytes as
    /// the `metadata:` form given ``LogFields/metadata``.
    public static func encode(
        seconds: Int,
        level: Logger.Level,
        label: String,
        source: String,
        message: String,
        fields: LogFields
    ) -> [UInt8] {
        var line = start(seconds: seconds, level: level, label: label, capacity: message.utf8.count + fields.fields.count * 24)
        for (key, value) in fields.fields {
            line.append(UInt8(ascii: " "))
            LogFields.Value.appendUTF8(key, to: &line)
            line.append(UInt8(ascii: "="))
            value.appendText(to: &line)
        }
        finish(&line, source: source, message: message)
        return line
    }

    /// `<time> <level> <label>:`
    private static func start(seconds: Int, level: Logger.Level, label: String, capacity: Int) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(96 + label.utf8.count + capacity)
        appendTimestamp(seconds, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: level.rawValue.utf8)
        if !label.isEmpty { line.append(UInt8(ascii: " ")) }
        line.append(contentsOf: label.utf8)
        line.append(UInt8(ascii: ":"))
        return line
    }

    /// ` [<source>] <message>` and the newline.
    private static func finish(_ line: inout [UInt8], source: String, message: String) {
        line.append(contentsOf: " [".utf8)
        line.append(contentsOf: source.utf8)
        line.append(contentsOf: "] ".utf8)
        line.append(contentsOf: message.utf8)
        line.append(UInt8(ascii: "\n"))
    }

    /// `2026-11-27T10:18:09+0000`: `strftime("%Y-%m-%dT%H:%M:%S%z")` of the local time.
    static func appendTimestamp(_ seconds: Int, to line: inout [UInt8]) {
        var time = time_t(seconds)
        var parts = tm()
        guard localtime_r(&time, &parts) != nil else {
            line.append(contentsOf: "<unknown>".utf8)
            return
        }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        for index in 0..<count { line.append(UInt8(bitPattern: buffer[index])) }
    }
}
