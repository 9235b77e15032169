/// A PKCE (RFC 7636, S256) verifier, its challenge, and the OAuth `state` of one login.
public struct PKCE: Sendable, Equatable {
    public var verifier: String
    public var state: String

    public init(verifier: String, state: String) {
        self.verifier = verifier
        self.state = state
    }

    /// A fresh login: 32 random bytes of verifier (43 characters) and of state.
    public static func generate() -> PKCE {
        PKCE(verifier: Base64URL.random(byteCount: 32), state: Base64URL.random(byteCount: 32))
    }

    /// `BASE64URL(SHA256(verifier))`.
    public var challenge: String { Base64URL.encode(SHA256.hash(Array(verifier.utf8))) }

    /// The page the user opens to authorize this login.
    public func authorizeURL(settings: Settings.OAuth) -> String {
        let separator = settings.authorizeURL.contains("?") ? "&" : "?"
        return settings.authorizeURL + separator
            + URLEncoding.query([
                ("code", "true"),
                ("client_id", settings.clientID),
                ("response_type", "code"),
                ("redirect_uri", settings.redirectURI),
                ("scope", settings.scopes),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
                ("state", state),
            ])
    }

    /// Splits the pasted `CODE#STATE` and checks the state against this login's.
    public func code(fromPasted pasted: String) throws(OAuthError) -> String {
        let text = pasted.trimmingSpaces()
        guard !text.isEmpty else { throw .badPaste("nothing was pasted; copy the code shown after you authorize") }
        guard let hash = text.firstIndex(of: "#") else {
            throw .badPaste(
                "the pasted value must look like CODE#STATE; copy the whole code shown after you authorize, including the part after #"
            )
        }
        let code = String(text[..<hash])
        let pastedState = String(text[text.index(after: hash)...])
        guard !code.isEmpty else { throw .badPaste("the pasted value has no code before #") }
        guard pastedState == state else {
            throw .badPaste(
                "the state after # does not match this login; the code belongs to another login attempt. Start again with `maxctl login`"
            )
        }
        return code
    }
}
