import MaximizeCore
import NIOCore

/// A request body found fit to send upstream, shaped for one kind of credential.
struct ValidatedRequest {
    var endpoint: MessagesEndpoint
    /// The Messages body before shaping: the client's, or the translation of an OpenAI request.
    var source: ByteBuffer
    var shaped: ShapedRequest
    var shapedFor: CredentialKind
    /// For `/v1/chat/completions`: the translated request.
    var openAI: ChatCompletionRequest.Translated?
    /// For `/v1/responses`: the translated request.
    var responses: ResponsesRequest.Translated?

    /// Validates `body` for `route` and shapes it for the credential `kind` expected: invalid
    /// JSON, an OpenAI request that cannot be translated, or a request the shaper refuses is the
    /// client's error, answered before any credential is asked for.
    static func validate(
        route: Route,
        body: ByteBuffer,
        shaper: RequestShaper,
        kind: CredentialKind,
        allocator: ByteBufferAllocator
    ) -> Result<ValidatedRequest, ExchangeError> {
        let endpoint: MessagesEndpoint
        let source: ByteBuffer
        var openAI: ChatCompletionRequest.Translated?
        var responses: ResponsesRequest.Translated?
        switch route {
        case .messages(let messagesEndpoint):
            endpoint = messagesEndpoint
            source = body
        case .chatCompletions:
            let translated: ChatCompletionRequest.Translated
            do {
                let json = try body.withUnsafeReadableBytes { bytes in try JSONParser.parse(bytes) }
                let settings = shaper.settings
                translated = try ChatCompletionRequest.translate(json, structuredRule: settings.models.structuredOutputs) {
                    settings.resolveModel($0 ?? settings.models.defaultModel)
                }
            } catch let error as JSONParseError {
                return .failure(.openAI(OpenAIError(message: "the request body is not valid JSON: \(error)")))
            } catch let error as OpenAIError {
                return .failure(.openAI(error))
            } catch {
                return .failure(.openAI(OpenAIError(message: "\(error)")))
            }
            endpoint = .messages
            source = allocator.buffer(bytes: translated.messages.serialized())
            openAI = translated
        case .responses:
            let settings = shaper.settings
            let resolve = { (model: String?) in settings.resolveModel(model ?? settings.models.defaultModel) }
            switch translate(
                body,
                { (json) throws(OpenAIError) in
                    try ResponsesRequest.translate(json, structuredRule: settings.models.structuredOutputs, resolveModel: resolve)
                }
            ) {
            case .success(let translated):
                source = allocator.buffer(bytes: translated.messages.serialized())
                responses = translated
            case .failure(let error): return .failure(error)
            }
            endpoint = .messages
        default:
            return .failure(.api(APIError(.notFound, "\(route.label) takes no body to validate")))
        }
        return shape(source, endpoint: endpoint, shaper: shaper, kind: kind).map { shaped in
            ValidatedRequest(endpoint: endpoint, source: source, shaped: shaped, shapedFor: kind, openAI: openAI, responses: responses)
        }
    }

    /// Parses an OpenAI request body and translates it; either failure is the client's, in
    /// OpenAI's shape.
    static func translate<Translated>(
        _ body: ByteBuffer,
        _ translation: (JSONValue) throws(OpenAIError) -> Translated
    ) -> Result<Translated, ExchangeError> {
        let json: JSONValue
        do {
            json = try body.withUnsafeReadableBytes { bytes in try JSONParser.parse(bytes) }
        } catch {
            return .failure(.openAI(OpenAIError(message: "the request body is not valid JSON: \(error)")))
        }
        do {
            return .success(try translation(json))
        } catch {
            return .failure(.openAI(error))
        }
    }

    /// Shapes the request again when the credential obtained is of another kind than expected
    /// (a login or an import switched it meanwhile).
    mutating func reshape(for kind: CredentialKind, shaper: RequestShaper) -> ExchangeError? {
        guard kind != shapedFor else { return nil }
        switch Self.shape(source, endpoint: endpoint, shaper: shaper, kind: kind) {
        case .success(let shaped):
            self.shaped = shaped
            shapedFor = kind
            return nil
        case .failure(let error):
            return error
        }
    }

    static func shape(
        _ source: ByteBuffer,
        endpoint: MessagesEndpoint,
        shaper: RequestShaper,
        kind: CredentialKind
    ) -> Result<ShapedRequest, ExchangeError> {
        source.withUnsafeReadableBytes { bytes in
            Result { () throws(ShapingError) -> ShapedRequest in
                try shaper.shape(bytes, endpoint: endpoint, credential: kind)
            }
            .mapError { .api(APIError(.invalidRequest, $0.message)) }
        }
    }
}
