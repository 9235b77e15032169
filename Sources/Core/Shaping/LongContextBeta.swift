/// The long-context beta (`context-1m-*`) that a subscription may not be entitled to: finding it
/// in a request's headers, taking it out, and recognising the upstream's refusal of it
/// (`limits.drop_unavailable_betas`).
public enum LongContextBeta {
    public static let prefix = "context-1m-"
    /// Error bodies longer than this are not examined (a refusal is a short JSON error).
    public static let maximumBodyBytes = 16 << 10

    /// Whether `headers` ask for the long-context beta.
    public static func present(in headers: [(name: String, value: String)]) -> Bool {
        headers.contains { $0.name == "anthropic-beta" && flags($0.value).contains { $0.hasPrefix(prefix) } }
    }

    /// `headers` with every `context-1m-*` flag taken out of `anthropic-beta` (the header goes
    /// when nothing is left), and the flags taken out.
    public static func removing(from headers: [(name: String, value: String)]) -> (headers: [(name: String, value: String)], removed: [String]) {
        var removed: [String] = []
        var result: [(name: String, value: String)] = []
        for header in headers {
            guard header.name == "anthropic-beta" else {
                result.append(header)
                continue
            }
            let all = flags(header.value)
            removed += all.filter { $0.hasPrefix(prefix) }
            let kept = all.filter { !$0.hasPrefix(prefix) }
            if !kept.isEmpty { result.append((header.name, kept.joined(separator: ","))) }
        }
        return (result, removed)
    }

    /// Whether an upstream answer refuses the beta: a 400 saying the long context beta is not
    /// (yet) available, or a 429 saying long-context requests need (usage or extra) credits.
    public static func refused(status: Int, body: [UInt8]) -> Bool {
        guard status == 400 || status == 429, body.count <= maximumBodyBytes else { return false }
        let message = ((try? JSONParser.parse(body))?["error"]?["message"]?.stringValue ?? String(decoding: body, as: UTF8.self))
            .lowercased()
        guard message.contains("long context") || message.contains("long-context") else { return false }
        return status == 400 ? message.contains("not yet available") || message.contains("not available") : message.contains("credit")
    }

    static func flags(_ value: String) -> [String] {
        value.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }
}
