import NIOHTTP1

/// A reason phrase for every status the daemon writes: NIO leaves codes it does not know (such as
/// Anthropic's `529`) with an empty one, which reads as `HTTP/1.1 529 `.
extension HTTPResponseStatus {
    /// `code` with NIO's standard phrase, else the upstream's (`reason`, when it sent one), else
    /// one from ``extraReasons`` or the code's class.
    init(relaying code: Int, reason: String = "") {
        self.init(statusCode: code)
        guard reasonPhrase.isEmpty else { return }
        let phrase = !reason.isEmpty ? reason : Self.extraReasons[code] ?? Self.classReason(code)
        self.init(statusCode: code, reasonPhrase: phrase)
    }

    /// Codes NIO has no phrase for that the upstream or a proxy in front of it may send.
    static let extraReasons: [Int: String] = [
        420: "Enhance Your Calm",
        430: "Request Header Fields Too Large",
        499: "Client Closed Request",
        509: "Bandwidth Limit Exceeded",
        520: "Unknown Error",
        521: "Web Server Is Down",
        522: "Connection Timed Out",
        523: "Origin Is Unreachable",
        524: "A Timeout Occurred",
        525: "SSL Handshake Failed",
        526: "Invalid SSL Certificate",
        529: "Overloaded",
        598: "Network Read Timeout Error",
        599: "Network Connect Timeout Error",
    ]

    static func classReason(_ code: Int) -> String {
        switch code {
        case 100..<200: "Informational"
        case 200..<300: "Success"
        case 300..<400: "Redirection"
        case 400..<500: "Client Error"
        default: "Server Error"
        }
    }
}
