import MaximizeCore
import MaximizeCurl
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// `GET /v1/models`: the upstream's list plus the nicknames.
    func serveModels(_ head: HTTPRequestHead) {
        let configuration = daemon.current
        let exchange = Exchange(head: head, route: .models, configuration: configuration)
        state = .responding(exchange)
        daemon.stats.started()
        withCredential(for: exchange) { [self] credential in
            fetchModels(exchange, credential: credential)
        }
    }

    func fetchModels(_ exchange: Exchange, credential: Credential) {
        let configuration = exchange.configuration
        let request = ModelCatalog.upstreamRequest(settings: configuration.settings, credential: credential)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundExchange = NIOLoopBound(exchange, eventLoop: context.eventLoop)
        let client = daemon.client
        Task {
            let result: Result<CurlClient.Response, UpstreamError>
            do throws(UpstreamError) {
                result = .success(try await client.send(request))
            } catch {
                result = .failure(error)
            }
            handler.eventLoop.execute {
                handler.value.modelsAnswered(result, exchange: boundExchange.value)
            }
        }
    }

    func modelsAnswered(_ result: Result<CurlClient.Response, UpstreamError>, exchange: Exchange) {
        guard case .responding(let current) = state, current === exchange else { return }
        state = .idle
        switch result {
        case .failure(let error):
            finish(exchange, failed: true, note: error.message, answered: nil)
            respondError(exchange.head, APIError(upstream: error))
        case .success(let response) where response.head.status != 200:
            exchange.upstreamStatus = response.head.status
            finish(exchange, failed: true, note: nil, answered: response.head.status)
            let contentType = response.head.header("content-type") ?? "application/json"
            respond(
                exchange.head,
                status: HTTPResponseStatus(statusCode: response.head.status),
                contentType: contentType,
                body: response.body,
                close: false
            )
        case .success(let response):
            exchange.upstreamStatus = 200
            finish(exchange, failed: false, note: nil, answered: 200)
            let merged = ModelCatalog.merged(upstreamBody: response.body, settings: exchange.configuration.settings)
            respondJSON(exchange.head, status: .ok, merged)
        }
    }
}
