import MaximizeCore

/// One input through every parser and translator that reads untrusted bytes: the JSON parser,
/// the request shaper (as OAuth and API-key requests), the token file and configuration parsers,
/// the SSE splitter with the OpenAI stream translator and the usage scanner, and the OpenAI
/// request and response translations. Crashes, hangs and memory errors are what libFuzzer finds.
let settings = try! ConfigurationLoader(
    paths: MaximizePaths.resolve(stateDirectory: "/tmp/maximize-fuzz", environment: [:]), environment: [:]
).load(fileContents: nil).settings
let shaper = RequestShaper(settings: settings)
let loader = ConfigurationLoader(
    paths: MaximizePaths.resolve(stateDirectory: "/tmp/maximize-fuzz", environment: [:]), environment: [:])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let array = Array(bytes)
    let json = try? JSONParser.parse(bytes)
    if let json {
        _ = json.serialized()
        if let translated = try? ChatCompletionRequest.translate(json) {
            _ = translated.messages.serialized()
            _ = ChatCompletionResponse.translate(json, created: 0, structured: translated.structuredOutput)
        }
        _ = ChatCompletionResponse.translate(json, created: 0)
    }
    _ = try? JSONParser.topLevelMembers(bytes)
    for endpoint in [MessagesEndpoint.messages, .countTokens] {
        for credential in [CredentialKind.oauth, .apiKey] {
            _ = try? shaper.shape(bytes, endpoint: endpoint, credential: credential)
        }
    }
    _ = try? TokenFile.parse(array, path: "fuzz")
    _ = try? loader.load(fileContents: array)
    var parser = SSEParser()
    var stream = ChatCompletionStream(created: 0, includeUsage: true)
    var structured = StructuredOutput(format: .jsonObject)
    var scratch = JSONObject()
    try? structured.apply(to: &scratch, model: "fuzz")
    var answer = ChatCompletionStream(created: 0, includeUsage: false, structured: structured)
    for event in parser.consume(bytes) + parser.finish() {
        _ = stream.translate(event)
        _ = answer.translate(event)
    }
    _ = stream.finish()
    _ = answer.finish()
    var usage = UsageScanner(eventStream: true)
    usage.consume(bytes)
    _ = usage.finish()
    var tail = UsageScanner(eventStream: false)
    tail.consume(bytes)
    _ = tail.finish()
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("fuzz_maximize_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
