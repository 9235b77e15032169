/// Talks to the OAuth token endpoint (`oauth.token_url`): code exchange and refresh.
///
/// Requests carry only the grant; errors never echo a token: the server's text is capped,
/// cleaned of control characters, and stripped of the grant's secrets before any sink sees it.
public struct OAuthClient: Sendable {
    public var settings: Settings.OAuth
    public var timeout: Double
    public var caFile: String?
    public var client: any HTTPTransport

    public init(settings: Settings, client: any HTTPTransport) {
        self.settings = settings.oauth
        self.timeout = min(settings.api.requestTimeout, 30)
        self.caFile = settings.api.caFile
        self.client = client
    }

    /// Exchanges an authorization code for tokens.
    public func exchange(code: String, pkce: PKCE, now: Double = WallClock.now()) async throws(OAuthError) -> OAuthToken {
        let body: JSONValue = [
            "grant_type": "authorization_code",
            "code": .string(code),
            "state": .string(pkce.state),
            "client_id": .string(settings.clientID),
            "redirect_uri": .string(settings.redirectURI),
            "code_verifier": .string(pkce.verifier),
        ]
        return try await post(body, previousRefresh: nil, secrets: [Secret(code), Secret(pkce.verifier)], now: now)
    }

    /// Trades a refresh token for new tokens. The answer usually carries a new refresh token
    /// (rotation); when it does not, the old one stays.
    public func refresh(_ refreshToken: Secret, now: Double = WallClock.now()) async throws(OAuthError) -> OAuthToken {
        let body: JSONValue = [
            "grant_type": "refresh_token",
            "refresh_token": .string(refreshToken.value),
            "client_id": .string(settings.clientID),
        ]
        return try await post(body, previousRefresh: refreshToken, secrets: [refreshToken], now: now)
    }

    private func post(
        _ body: JSONValue,
        previousRefresh: Secret?,
        secrets: [Secret],
        now: Double
    ) async throws(OAuthError) -> OAuthToken {
        let request = UpstreamRequest(
            method: "POST",
            url: settings.tokenURL,
            headers: [
                ("content-type", "application/json"), ("accept", "application/json"),
                ("user-agent", "maximize/\(MaximizeVersion.current)"),
            ],
            body: body.serialized(),
            timeout: timeout,
            caFile: caFile
        )
        let response: UpstreamResponse
        do {
            response = try await client.send(request, limit: 1 << 20)
        } catch {
            throw .transient(ExternalText.clean(error.message, secrets: secrets), retryAfter: nil)
        }
        let json = try? JSONParser.parse(response.body)
        let status = response.head.status
        guard status == 200 else {
            let code = ExternalText.clean(json?["error"]?.stringValue ?? json?["error"]?["type"]?.stringValue ?? "", limit: 64, secrets: secrets)
            let text = ExternalText.clean(
                json?["error_description"]?.stringValue ?? json?["error"]?["message"]?.stringValue ?? "HTTP \(status)",
                secrets: secrets
            )
            let explanation = code.isEmpty ? text : "\(code): \(text)"
            if code == "invalid_grant" { throw .invalidGrant(text) }
            if status == 429 || status >= 500 {
                let retryAfter = response.head.header("retry-after").flatMap { RetryAfter.seconds($0, now: now) }.map { min($0, 3600) }
                throw .transient(explanation, retryAfter: retryAfter)
            }
            throw .rejected(status: status, explanation)
        }
        guard let access = json?["access_token"]?.stringValue, !access.isEmpty else {
            throw .malformedResponse("no access_token in the response")
        }
        let refresh = json?["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : Secret($0) } ?? previousRefresh
        let expiresIn = json?["expires_in"]?.doubleValue
        return OAuthToken(
            accessToken: Secret(access),
            refreshToken: refresh,
            expiresAt: expiresIn.map { now + $0 },
            scopes: json?["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) },
            obtainedAt: now
        )
    }
}
