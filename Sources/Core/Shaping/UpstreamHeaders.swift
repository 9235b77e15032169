/// The headers sent upstream for a proxied request.
public enum UpstreamHeaders {
    /// Merges beta flags, keeping the first occurrence of each.
    public static func mergeBetas(_ lists: [String]...) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for list in lists {
            for entry in list {
                for part in entry.split(separator: ",") {
                    let flag = String(part).trimmingSpaces()
                    if !flag.isEmpty, seen.insert(flag).inserted { result.append(flag) }
                }
            }
        }
        return result
    }

    /// Builds the upstream headers: the client's `anthropic-*` headers (betas merged with the
    /// required ones), the upstream credential, and Claude Code's request shape for OAuth.
    ///
    /// The client's own `Authorization` and `x-api-key` are never forwarded.
    public static func build(
        client: [(name: String, value: String)],
        credential: Credential,
        settings: Settings
    ) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("content-type", "application/json")]
        var version = Defaults.anthropicVersion
        var clientBetas: [String] = []
        for (name, value) in client {
            let lower = name.lowercased()
            guard lower.hasPrefix("anthropic-") else { continue }
            switch lower {
            case "anthropic-version": version = value
            case "anthropic-beta": clientBetas.append(value)
            default: headers.append((lower, value))
            }
        }
        headers.append(("anthropic-version", version))
        switch credential {
        case .oauth(let token):
            let betas = mergeBetas(settings.api.betas, clientBetas)
            if !betas.isEmpty { headers.append(("anthropic-beta", betas.joined(separator: ","))) }
            headers.append(("authorization", "Bearer \(token.accessToken.value)"))
            headers.append(("user-agent", settings.api.userAgent))
            for extra in settings.api.headers { headers.append((extra.name.lowercased(), extra.value)) }
        case .apiKey(let key):
            let betas = mergeBetas(clientBetas)
            if !betas.isEmpty { headers.append(("anthropic-beta", betas.joined(separator: ","))) }
            headers.append(("x-api-key", key.value))
            headers.append(("user-agent", "maximize/\(MaximizeVersion.current)"))
        }
        return headers
    }
}
