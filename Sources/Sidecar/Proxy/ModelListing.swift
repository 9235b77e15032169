import MaximizeCore
import NIOCore
import NIOHTTP1

/// `GET /v1/models` and `GET /v1/models/{id}`: the upstream's answer, held whole, answered as
/// ``ModelQuery/answer(upstreamBody:settings:)`` says (the whole list with the nicknames merged
/// in, a page, one model); an error as the upstream sent it.
struct ModelListing: ResponseTransformer {
    /// The largest model list read.
    static let limit = 8 << 20

    let settings: Settings
    let query: ModelQuery
    private var status = 0
    private var contentType: String?
    private var buffered = CappedBody(limit: Self.limit)

    init(settings: Settings, query: ModelQuery) {
        self.settings = settings
        self.query = query
    }

    /// What the client asked of the catalog, or `nil` for a route that is not the catalog.
    static func catalogQuery(route: Route, uri: String, settings: Settings) -> ModelQuery? {
        switch route {
        case .models: .list(query: Route.query(of: uri))
        case .model(let id): .model(id: id, query: Route.query(of: uri), settings: settings)
        default: nil
        }
    }

    mutating func head(_ head: UpstreamResponseHead, request: HTTPRequestHead) -> HTTPResponseHead? {
        status = head.status
        contentType = head.header("content-type")
        return nil
    }

    mutating func body(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        buffered.append(chunk)
        return nil
    }

    mutating func end(allocator: ByteBufferAllocator) -> ResponseEnding {
        if buffered.overflowed {
            let error = APIError(.api, status: 502, "the upstream's model list is larger than \(Self.limit >> 20) MiB")
            return .respond(WholeResponse(status: error.status, contentType: "application/json", body: error.body))
        }
        guard status == 200 else {
            return .respond(WholeResponse(status: status, contentType: contentType ?? "application/json", body: buffered.bytes))
        }
        let answer = query.answer(upstreamBody: buffered.bytes, settings: settings)
        return .respond(WholeResponse(status: 200, contentType: "application/json", body: answer))
    }

    mutating func fail(_ error: UpstreamError, allocator: ByteBufferAllocator) -> ResponseEnding {
        let error = APIError(upstream: error)
        return .respond(WholeResponse(status: error.status, contentType: "application/json", body: error.body))
    }

    mutating func takeUsage() -> UsageScanner.Usage? { nil }
}
