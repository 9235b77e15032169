/// Reads and writes `tokens.json` in the forms the contract accepts.
///
/// - the seeds' form: `{"access_token", "refresh_token", "expires_at": <unix seconds>}`
/// - Claude Code's form: `{"claudeAiOauth": {"accessToken", "refreshToken", "expiresAt": <unix ms>}}`
/// - an API key: `{"api_key": "sk-ant-..."}`
///
/// `maximize` writes the seeds' form.
public enum TokenFile {
    /// Parses a token file; `nil` when it is valid but holds no credentials (`{}`).
    ///
    /// Errors never quote the file's content, which holds secrets.
    public static func parse(_ bytes: [UInt8], path: String) throws(CredentialError) -> Credential? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        guard let object = try decode(bytes, path: path).members else {
            throw CredentialError.invalidFile(path: path, reason: "must hold a JSON object")
        }
        if let nested = object["claudeAiOauth"] {
            guard let oauth = nested.members else {
                throw CredentialError.invalidFile(path: path, reason: "claudeAiOauth must be an object")
            }
            let expiresMs = try number(
                oauth["expiresAt"],
                field: "claudeAiOauth.expiresAt",
                path: path,
                range: 0...(maximumExpiry * 1000)
            )
            return .oauth(
                try token(
                    access: oauth["accessToken"],
                    refresh: oauth["refreshToken"],
                    expiresAt: expiresMs.map { $0 / 1000 },
                    scopes: oauth["scopes"],
                    subscription: oauth["subscriptionType"],
                    obtainedAt: nil,
                    prefix: "claudeAiOauth.",
                    names: ("accessToken", "refreshToken"),
                    path: path
                )
            )
        }
        if let key = object["api_key"], !key.isNull {
            guard let text = key.string, !text.isEmpty else {
                throw CredentialError.invalidFile(path: path, reason: "api_key must be a non-empty string")
            }
            return .apiKey(Secret(text))
        }
        if object["access_token"] == nil || object["access_token"]?.isNull == true {
            if object["refresh_token"]?.string?.isEmpty == false {
                throw CredentialError.invalidFile(path: path, reason: "has a refresh_token but no access_token")
            }
            return nil
        }
        return .oauth(
            try token(
                access: object["access_token"],
                refresh: object["refresh_token"],
                expiresAt: try number(object["expires_at"], field: "expires_at", path: path, range: 0...maximumExpiry),
                scopes: object["scopes"],
                subscription: object["subscription_type"],
                obtainedAt: try number(object["obtained_at"], field: "obtained_at", path: path, range: 0...maximumExpiry),
                prefix: "",
                names: ("access_token", "refresh_token"),
                path: path
            )
        )
    }

    /// The latest expiry accepted, in Unix seconds (the year 5138); later values are nonsense.
    public static let maximumExpiry: Double = 1e11

    private static func number(
        _ value: Field?,
        field: String,
        path: String,
        range: ClosedRange<Double>
    )
        throws(CredentialError) -> Double?
    {
        guard let value, !value.isNull else { return nil }
        guard let number = value.number, range.contains(number) else {
            throw CredentialError.invalidFile(path: path, reason: "\(field) must be a number (a Unix time)")
        }
        return number
    }

    // swift-format-ignore
    private static func token(
        access: Field?, refresh: Field?, expiresAt: Double?, scopes: Field?, subscription: Field?,
        obtainedAt: Double?, prefix: String, names: (String, String), path: String
    ) throws(CredentialError) -> OAuthToken {
        guard let accessText = access?.string, !accessText.isEmpty else {
            throw CredentialError.invalidFile(path: path, reason: "\(prefix)\(names.0) must be a non-empty string")
        }
        var refreshSecret: Secret?
        if let refresh, !refresh.isNull {
            guard let text = refresh.string else {
                throw CredentialError.invalidFile(path: path, reason: "\(prefix)\(names.1) must be a string")
            }
            refreshSecret = text.isEmpty ? nil : Secret(text)
        }
        var scopeList: [String]?
        if let list = scopes?.list {
            scopeList = list.compactMap(\.string)
        } else if let text = scopes?.string {
            scopeList = text.split(separator: " ").map(String.init)
        }
        return OAuthToken(
            accessToken: Secret(accessText),
            refreshToken: refreshSecret,
            expiresAt: expiresAt,
            scopes: scopeList,
            subscriptionType: subscription?.string,
            obtainedAt: obtainedAt
        )
    }

    /// The seeds' form of `credential`, as written by `maximize` (keys sorted, one line).
    public static func serialize(_ credential: Credential) -> [UInt8] {
        encode(credential)
    }
}
