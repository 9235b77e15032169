import ArgumentParser
import MaximizeCore

/// `maxctl login`: OAuth authorization code with PKCE, interactively or in two steps.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in with a Claude subscription (OAuth PKCE) and save the tokens.",
        discussion: """
            Interactive: prints the authorization URL (and opens a browser when one is available), \
            then reads the CODE#STATE you paste. For containers, run `maxctl login --start`, open the \
            URL anywhere, then `maxctl login --code CODE#STATE`.
            """
    )

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "Do not try to open a browser; only print the URL.")
    var noBrowser = false

    @Flag(name: .long, help: "Start a two-step login: save the pending verifier and print the URL.")
    var start = false

    @Option(name: .long, help: "Complete a login started with --start, with the pasted CODE#STATE.")
    var code: String?

    func validate() throws {
        if start, code != nil { throw ValidationError("use --start and --code in two separate steps") }
    }

    func run() async throws {
        let settings = try options.loadConfiguration().settings
        let pending = LoginPending(stateDirectory: options.paths.stateDirectory)
        if start {
            let pkce = PKCE.generate()
            try pending.save(pkce)
            print("Open this URL, authorize, and copy the code shown (CODE#STATE):\n\n\(pkce.authorizeURL(settings: settings.oauth))\n")
            print("Then run: maxctl login --code 'CODE#STATE'")
            return
        }
        if let code {
            guard let pkce = try pending.load() else {
                throw CommandFailure("no login is in progress; run `maxctl login --start` first")
            }
            try await complete(pasted: code, pkce: pkce, settings: settings)
            pending.remove()
            return
        }
        let pkce = PKCE.generate()
        let url = pkce.authorizeURL(settings: settings.oauth)
        print("Open this URL, authorize, and copy the code shown (CODE#STATE):\n\n\(url)\n")
        if !noBrowser, Browser.open(url, environment: options.environment) {
            print("(opened in your browser)")
        }
        flushOutput()
        print("Paste the code here: ", terminator: "")
        flushOutput()
        guard let line = readLine(strippingNewline: true) else {
            throw CommandFailure("no code was entered (standard input closed); run `maxctl login` again")
        }
        try await complete(pasted: line, pkce: pkce, settings: settings)
    }

    func complete(pasted: String, pkce: PKCE, settings: Settings) async throws {
        let code = try pkce.code(fromPasted: pasted)
        let client = FetchTransport(environment: options.environment)
        let token: OAuthToken
        do {
            token = try await OAuthClient(settings: settings, client: client).exchange(code: code, pkce: pkce)
        } catch {
            throw CommandFailure(Self.explain(error))
        }
        let backend = try options.credentialBackend(settings)
        try await storeCredential(.oauth(token), in: backend)
        var message = "Logged in. Tokens saved to \(backend.location)"
        if let expiry = token.expiresAt { message += " (access token valid until \(Timestamp.iso8601(expiry)); refreshed automatically)" }
        print(message)
    }

    static func explain(_ error: OAuthError) -> String {
        switch error {
        case .invalidGrant(let detail):
            let lower = detail.lowercased()
            let reason =
                lower.contains("expired")
                ? "the code has expired"
                : (lower.contains("used") || lower.contains("redeemed"))
                    ? "the code was already used"
                    : "the code was refused (\(detail))"
            return "\(reason). Codes work once and only for a few minutes; run `maxctl login` again."
        default:
            return "login failed: \(error)"
        }
    }
}
