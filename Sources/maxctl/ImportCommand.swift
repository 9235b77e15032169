import ArgumentParser
import MaximizeCore

/// `maxctl import FILE`: adopt a token file of any accepted form.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Adopt credentials from a file: maximize's or the seeds' tokens.json, Claude Code's .credentials.json, or {\"api_key\": ...}."
    )

    @OptionGroup var options: CommonOptions

    @Argument(help: "The file to import, or - for standard input (kubectl exec -i ... maxctl import - < creds.json).")
    var file: String

    /// The most read from a file or standard input.
    static let limit = 1 << 20

    func run() async throws {
        let settings = try options.loadConfiguration().settings
        let bytes: [UInt8]
        do {
            if file == "-" {
                bytes = try FileSystem.readStandardInput(limit: Self.limit)
            } else {
                // A regular file only (a FIFO would block: use `-` to pipe).
                guard let read = try FileSystem.readFile(file, limit: Self.limit) else {
                    throw CommandFailure("\(file) does not exist")
                }
                bytes = read
            }
        } catch let error as FileSystemError {
            throw CommandFailure("\(error)")
        }
        let credential: Credential
        do {
            guard let parsed = try TokenFile.parse(bytes, path: file) else {
                throw CommandFailure("\(file) holds no credentials")
            }
            credential = parsed
        } catch let error as CredentialError {
            throw CommandFailure("\(error)")
        }
        let backend = try options.credentialBackend(settings)
        try await storeCredential(credential, in: backend)
        print("Imported \(credential.kind == .apiKey ? "an API key" : "OAuth tokens") into \(backend.location)")
    }
}
