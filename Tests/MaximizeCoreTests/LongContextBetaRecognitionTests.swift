import Testing

@testable import MaximizeCore

struct LongContextBetaRecognitionTests {
    @Test func findsAndRemovesTheBeta() {
        let headers: [(name: String, value: String)] = [
            ("content-type", "application/json"),
            ("anthropic-beta", "oauth-2025-04-20, context-1m-2025-08-07,interleaved-thinking-2025-05-14"),
        ]
        #expect(LongContextBeta.present(in: headers))
        let (without, removed) = LongContextBeta.removing(from: headers)
        #expect(removed == ["context-1m-2025-08-07"])
        #expect(without.map(\.value) == ["application/json", "oauth-2025-04-20,interleaved-thinking-2025-05-14"])
        #expect(!LongContextBeta.present(in: without))
        let only = LongContextBeta.removing(from: [("anthropic-beta", "context-1m-2025-08-07")])
        #expect(only.headers.isEmpty)
        #expect(!LongContextBeta.present(in: [("anthropic-beta", "oauth-2025-04-20")]))
    }

    static func body(_ message: String) -> [UInt8] {
        let value: JSONValue = ["type": "error", "error": ["type": "invalid_request_error", "message": .string(message)]]
        return value.serialized()
    }

    @Test(arguments: [
        (400, "The long context beta is not yet available for this subscription.", true),
        (429, "Extra usage is required for long context requests: purchase usage credits.", true),
        (429, "This request would exceed your account's rate limit.", false),
        (400, "max_tokens: must be at most 64000", false),
        (400, "long context: prompt is too long", false),
        (500, "The long context beta is not yet available", false),
    ])
    func recognisesTheRefusal(status: Int, message: String, refused: Bool) {
        #expect(LongContextBeta.refused(status: status, body: Self.body(message)) == refused)
    }

    @Test func aHugeBodyIsNotExamined() {
        let huge = Self.body("The long context beta is not yet available" + String(repeating: " ", count: 20_000))
        #expect(!LongContextBeta.refused(status: 400, body: huge))
    }
}
