import Glibc

/// Reads token usage out of a Messages response as it streams by, without buffering it.
///
/// Server-sent events carry `usage` in `message_start` (input) and `message_delta` (output, a
/// running total); a JSON response carries it near its end, so only a short tail is kept.
public struct UsageScanner: Sendable {
    public struct Usage: Sendable, Equatable {
        public var inputTokens = 0
        public var outputTokens = 0
        public var cacheCreationInputTokens = 0
        public var cacheReadInputTokens = 0
    }

    static let tailLimit = 8 * 1024
    static let lineLimit = 64 * 1024

    let eventStream: Bool
    private var line: [UInt8] = []
    private var lineOverflow = false
    private var skipping = false
    private var tail: [UInt8] = []
    private var usage = Usage()
    private var seen = false

    public init(eventStream: Bool) {
        self.eventStream = eventStream
    }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard eventStream else {
            tail.append(contentsOf: bytes)
            if tail.count > 2 * Self.tailLimit { tail.removeFirst(tail.count - Self.tailLimit) }
            return
        }
        var start = 0
        while start < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
            guard let newline = rest.firstIndex(of: 0x0A) else {
                append(rest)
                return
            }
            append(UnsafeRawBufferPointer(rebasing: rest[..<newline]))
            if !lineOverflow { scanEventLine() }
            line.removeAll(keepingCapacity: true)
            lineOverflow = false
            skipping = false
            start += newline + 1
        }
    }

    /// Adds part of a line, unless the line cannot carry usage or is too long to be an event.
    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !skipping, !lineOverflow, !bytes.isEmpty else { return }
        if line.isEmpty, bytes.count >= 5, !bytes.starts(with: "data:".utf8) {
            // Only `data:` lines are read; the rest of this line is not kept.
            skipping = true
            return
        }
        if line.count + bytes.count > Self.lineLimit {
            lineOverflow = true
            return
        }
        line.append(contentsOf: bytes)
    }

    /// The usage seen, when the response reported one.
    public mutating func finish() -> Usage? {
        if !eventStream { scanTail() }
        return seen ? usage : nil
    }

    private mutating func scanEventLine() {
        guard line.starts(with: "data:".utf8), contains(line, "\"usage\"") else { return }
        guard let event = try? JSONParser.parse(Array(line.dropFirst(5))) else { return }
        if let start = event["message"]?["usage"] { add(start, output: true) }
        if event["type"]?.stringValue == "message_delta", let delta = event["usage"] { add(delta, output: true) }
    }

    private mutating func scanTail() {
        guard let position = lastIndex(of: "\"usage\"", in: tail) else { return }
        var index = position + 7
        while index < tail.count, tail[index] == 0x20 || tail[index] == 0x3A || tail[index] == 0x0A { index += 1 }
        guard index < tail.count, tail[index] == UInt8(ascii: "{"), let end = tail[index...].firstIndex(of: UInt8(ascii: "}"))
        else { return }
        if let value = try? JSONParser.parse(Array(tail[index...end])) { add(value, output: true) }
    }

    private mutating func add(_ value: JSONValue, output: Bool) {
        seen = true
        if let input = value["input_tokens"]?.intValue { usage.inputTokens = input }
        if let output = value["output_tokens"]?.intValue { usage.outputTokens = output }
        if let created = value["cache_creation_input_tokens"]?.intValue { usage.cacheCreationInputTokens = created }
        if let read = value["cache_read_input_tokens"]?.intValue { usage.cacheReadInputTokens = read }
    }

    private func contains(_ haystack: [UInt8], _ needle: StaticString) -> Bool {
        lastIndex(of: needle, in: haystack) != nil
    }

    private func lastIndex(of needle: StaticString, in haystack: [UInt8]) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard count > 0, haystack.count >= count else { return nil }
        let first = needle.utf8Start[0]
        return haystack.withUnsafeBufferPointer { bytes in
            var index = bytes.count - count
            while index >= 0 {
                if bytes[index] == first, memcmp(bytes.baseAddress! + index, needle.utf8Start, count) == 0 { return index }
                index -= 1
            }
            return nil
        }
    }
}
