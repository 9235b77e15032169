import MaximizeCore
import NIOCore
import NIOHTTP1

/// Turns the upstream's response into the client's, one event at a time: Anthropic's answer
/// passed through, or translated for an OpenAI client, or merged into the model list. The
/// exchange's state machine decides when each call happens; a transformer only shapes bytes.
protocol ResponseTransformer {
    /// The upstream's head (after any retries). Returns the head to write now, or `nil` to hold
    /// the response until ``end(allocator:)``.
    mutating func head(_ head: UpstreamResponseHead, request: HTTPRequestHead) -> HTTPResponseHead?
    /// What to write for one chunk of the upstream's body; `nil` when nothing is due now.
    mutating func body(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer?
    /// The upstream's body is complete.
    mutating func end(allocator: ByteBufferAllocator) -> ResponseEnding
    /// The upstream failed after its head arrived.
    mutating func fail(_ error: UpstreamError, allocator: ByteBufferAllocator) -> ResponseEnding
    /// The tokens counted in the answer, once, at the end.
    mutating func takeUsage() -> UsageScanner.Usage?
}

/// How a response ends.
enum ResponseEnding {
    /// Write `trailer` (when any) and end the response.
    case end(trailer: ByteBuffer?)
    /// The head was held: answer with this whole response.
    case respond(WholeResponse)
    /// Drop the connection: a truncated body cannot carry an error.
    case close
}

/// A response written at once, with its length.
struct WholeResponse {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var headers: [(String, String)] = []
}

extension HTTPRequestHead {
    /// A response head for this request: `connection: close` when the client does not keep the
    /// connection alive.
    func responseHead(status: Int, reason: String = "", headers: HTTPHeaders) -> HTTPResponseHead {
        var headers = headers
        if !isKeepAlive { headers.add(name: "connection", value: "close") }
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(relaying: status, reason: reason), headers: headers)
    }
}
