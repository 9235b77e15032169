/// A client's request of the model catalog (`GET /v1/models`, `GET /v1/models/{id}`), as the
/// daemon asks the upstream for it and answers it.
public struct ModelQuery: Sendable, Equatable {
    /// How the upstream's answer reaches the client.
    public enum Answer: Sendable, Equatable {
        /// The whole list (the client named no page): asked with `limit=1000`, the nicknames
        /// appended (``ModelCatalog/merged(upstreamBody:settings:)``).
        case wholeList
        /// One page (the client named `limit`, `after_id` or `before_id`): the upstream's page,
        /// its cursors untouched (``ModelCatalog/page(upstreamBody:)``).
        case page
        /// One model (``ModelCatalog/model(upstreamBody:)``).
        case model
    }

    /// The parameters that make a list request a request for one page.
    static let pageParameters: Set<Substring> = ["limit", "after_id", "before_id"]

    public let answer: Answer
    /// The upstream path and query: `/v1/models?limit=1000`, `/v1/models/claude-sonnet-5`.
    public let target: String

    /// `GET /v1/models` with the client's `query` (`?limit=5`, or `""`), forwarded as sent; a
    /// query that names no page gets `limit=1000` added, so the list is whole.
    public static func list(query: String) -> ModelQuery {
        let names = query.dropFirst().split(separator: "&").map { $0.prefix { $0 != "=" } }
        if names.contains(where: pageParameters.contains) {
            return ModelQuery(answer: .page, target: "/v1/models" + query)
        }
        return ModelQuery(answer: .wholeList, target: "/v1/models" + (query.isEmpty ? "?" : query + "&") + "limit=1000")
    }

    /// `GET /v1/models/{id}` with the client's `query`: a nickname becomes its model id, any other
    /// id goes as the client sent it.
    public static func model(id: String, query: String, settings: Settings) -> ModelQuery {
        ModelQuery(answer: .model, target: "/v1/models/" + (settings.models.nicknames[id] ?? id) + query)
    }

    /// The upstream request: a `GET` with the credential and the client's end-to-end headers.
    public func upstreamRequest(
        settings: Settings,
        credential: Credential,
        client: [(name: String, value: String)] = []
    ) -> UpstreamRequest {
        var headers = UpstreamHeaders.build(client: client, credential: credential, settings: settings)
        headers.removeAll { $0.name == "content-type" }
        return UpstreamRequest(
            method: "GET",
            url: settings.api.baseURL + target,
            headers: headers,
            timeout: min(settings.api.requestTimeout, 30),
            caFile: settings.api.caFile,
            httpVersion: settings.api.httpVersion
        )
    }

    /// The answer to the client, from the upstream's `200` body.
    public func answer(upstreamBody: [UInt8], settings: Settings) -> [UInt8] {
        switch answer {
        case .wholeList: ModelCatalog.merged(upstreamBody: upstreamBody, settings: settings).serialized()
        case .page: ModelCatalog.page(upstreamBody: upstreamBody)?.serialized() ?? upstreamBody
        case .model: ModelCatalog.model(upstreamBody: upstreamBody)?.serialized() ?? upstreamBody
        }
    }
}
