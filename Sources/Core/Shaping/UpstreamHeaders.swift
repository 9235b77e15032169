/// The headers sent upstream for a proxied request.
public enum UpstreamHeaders {
    /// Which of the client's headers go upstream.
    public enum Forwarding: Sendable {
        /// Every end-to-end header except those ``isWithheld(_:)`` names (Anthropic clients).
        case endToEnd
        /// Only `anthropic-*` headers: an OpenAI client's `user-agent` and `x-stainless-*`
        /// describe the OpenAI SDK, not the request the proxy makes for it.
        case anthropicOnly
    }

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

    /// Whether a client header (lower-cased name) never goes upstream: the client's credentials,
    /// what libcurl writes itself (`host`, `content-length`, `accept-encoding`, `expect`), the
    /// body's type (the proxy sends its JSON as `application/json`), `cookie` (the upstream is
    /// not the application's site), and the hop-by-hop headers of RFC 9110 §7.6.1 (plus
    /// `http2-settings`, which belongs to an h2c upgrade).
    public static func isWithheld(_ name: String) -> Bool {
        switch name {
        case "authorization", "x-api-key", "host", "content-length", "accept-encoding", "expect", "content-type",
            "cookie", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "proxy-authorization", "proxy-authenticate", "http2-settings":
            true
        default: false
        }
    }

    /// Builds the upstream headers: the client's end-to-end headers as sent (names lower-cased),
    /// the missing required beta flags after the client's own, the upstream credential, and the
    /// configured `api.headers` on top for OAuth. The client's user agent is kept; without one the
    /// configured one (OAuth) or `maximize/<version>` (API key) is sent.
    ///
    /// The client's own `Authorization` and `x-api-key` are never forwarded.
    public static func build(
        client: [(name: String, value: String)],
        credential: Credential,
        settings: Settings,
        forwarding: Forwarding = .endToEnd
    ) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("content-type", "application/json")]
        headers.reserveCapacity(client.count + 6)
        var version = Defaults.anthropicVersion
        var clientBetas: [String] = []
        var userAgent: String?
        var connectionTokens: [Substring] = []
        for (name, value) in client {
            let lower = name.lowercased()
            switch lower {
            case "anthropic-version": version = value
            case "anthropic-beta": clientBetas.append(value)
            case "user-agent" where forwarding == .endToEnd: userAgent = value
            case "connection": connectionTokens += value.split(separator: ",").map { $0.trimmingSpacesLowercased() }
            default:
                if isWithheld(lower) { continue }
                if forwarding == .anthropicOnly, !lower.hasPrefix("anthropic-") { continue }
                headers.append((lower, value))
            }
        }
        // Names the client's `Connection` header lists are hop-by-hop too (rare: a second pass only then).
        if !connectionTokens.isEmpty { headers.removeAll { header in connectionTokens.contains { $0 == header.name } } }
        headers.append(("anthropic-version", version))
        switch credential {
        case .oauth(let token):
            appendBetas(client: clientBetas, required: settings.api.betas, to: &headers)
            headers.append(("authorization", "Bearer \(token.accessToken.value)"))
            headers.append(("user-agent", userAgent ?? settings.api.userAgent))
            for extra in settings.api.headers {
                let name = extra.name.lowercased()
                headers.removeAll { $0.name == name }
                headers.append((name, extra.value))
            }
        case .apiKey(let key):
            appendBetas(client: clientBetas, required: [], to: &headers)
            headers.append(("x-api-key", key.value))
            headers.append(("user-agent", userAgent ?? "maximize/\(MaximizeVersion.current)"))
        }
        return headers
    }

    /// The client's `anthropic-beta` headers as sent when they hold every required flag; else
    /// one header: the client's flags in its order, then the missing required ones.
    static func appendBetas(client: [String], required: [String], to headers: inout [(name: String, value: String)]) {
        let present = mergeBetas(client)
        if required.allSatisfy(present.contains) {
            for value in client where !value.allSatisfy({ $0 == " " || $0 == "," }) { headers.append(("anthropic-beta", value)) }
            return
        }
        headers.append(("anthropic-beta", mergeBetas(present, required).joined(separator: ",")))
    }
}

extension Substring {
    /// Without the spaces and tabs around it, ASCII lower-cased (a header token).
    func trimmingSpacesLowercased() -> Substring {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        return Substring(trimmed.lowercased())
    }
}
