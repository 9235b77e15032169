/// One server-sent event.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String?, data: String) {
        self.event = event
        self.data = data
    }
}

/// Splits a `text/event-stream` into events as bytes arrive, in any chunking.
public struct SSEParser: Sendable {
    /// A line longer than this is dropped (a hostile or broken stream cannot grow memory unbounded).
    public static let lineLimit = 16 << 20

    private var line: [UInt8] = []
    private var event: String?
    private var data: [String] = []
    private var hasData = false

    public init() {}

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        var start = 0
        for index in 0..<bytes.count where bytes[index] == 0x0A {
            append(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            if let event = takeLine() { events.append(event) }
            start = index + 1
        }
        append(UnsafeRawBufferPointer(rebasing: bytes[start..<bytes.count]))
        return events
    }

    /// The last event, when the stream ended without its blank line.
    public mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !line.isEmpty, let event = takeLine() { events.append(event) }
        if let event = dispatch() { events.append(event) }
        return events
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if line.count + bytes.count > Self.lineLimit {
            line.removeAll()
            return
        }
        line.append(contentsOf: bytes)
    }

    private mutating func takeLine() -> ServerSentEvent? {
        if line.last == 0x0D { line.removeLast() }
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let field = String(decoding: line[0..<colon], as: UTF8.self)
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let value = String(decoding: line[valueStart...], as: UTF8.self)
        switch field {
        case "event": event = value
        case "data":
            data.append(value)
            hasData = true
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            event = nil
            data.removeAll()
            hasData = false
        }
        guard hasData || event != nil else { return nil }
        return ServerSentEvent(event: event, data: data.joined(separator: "\n"))
    }
}
