/// One header line of a response as libcurl's header callback passes it (`Name: value\r\n`).
///
/// The head is built from these lines rather than read back with libcurl's header API: in
/// libcurl 7.88 each `curl_easy_nextheader` call counts every stored header of the same name, so
/// reading a whole head costs time quadratic in its headers. With the ~25 headers of an Anthropic
/// answer that took a quarter of a loopback client's CPU, against 2 % for parsing the lines here.
enum ResponseHeaderLine {
    /// What a line is: the end of a header block (its blank line), a status line (a new response
    /// starts; its reason phrase, empty when none, as HTTP/2's), a header, or something else (ignored).
    enum Kind: Equatable {
        case end
        case status(reason: String)
        case header(name: String, value: String)
        case other
    }

    /// Classifies `line`; a header's name is lower-cased (ASCII), and its value loses the
    /// whitespace around it.
    static func parse(_ line: UnsafeRawBufferPointer) -> Kind {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        if end == 0 { return .end }
        if end > 5, line[0] == 0x48, line[1] == 0x54, line[2] == 0x54, line[3] == 0x50, line[4] == 0x2F {
            return .status(reason: reasonPhrase(line, end: end))  // "HTTP/"
        }
        // Plain loops: the generic `firstIndex(of:)` on a slice cost more than the rest of the parse.
        var colon = 0
        while colon < end, line[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon > 0, colon < end else { return .other }
        let name = String(unsafeUninitializedCapacity: colon) { name in
            for index in 0..<colon {
                let byte = line[index]
                name[index] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            return colon
        }
        var start = colon + 1
        while start < end, line[start] == 0x20 || line[start] == 0x09 { start += 1 }
        while end > start, line[end - 1] == 0x20 || line[end - 1] == 0x09 { end -= 1 }
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        return .header(name: name, value: value)
    }

    /// The reason phrase of a status line (`HTTP/1.1 529 Overloaded`): what follows the second space.
    static func reasonPhrase(_ line: UnsafeRawBufferPointer, end: Int) -> String {
        var start = 0
        var spaces = 0
        while start < end, spaces < 2 {
            if line[start] == 0x20 { spaces += 1 }
            start += 1
        }
        guard spaces == 2, start < end else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }
}
