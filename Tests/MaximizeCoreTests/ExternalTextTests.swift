import Testing

@testable import MaximizeCore

struct ExternalTextTests {
    @Test func shortPlainTextIsUnchanged() {
        #expect(ExternalText.clean("invalid_grant: refresh token expired") == "invalid_grant: refresh token expired")
    }

    @Test func controlCharactersAreEscaped() {
        #expect(ExternalText.clean("a\nb\r\tc\u{1B}[31m\u{7F}\u{2028}") == "a\\nb\\r\\tc\\u{1B}[31m\\u{7F}\\u{2028}")
    }

    @Test func secretsAreRedacted() {
        let token = Secret("sk-ant-ort01-abcdefghijklmnop")
        let text = "refresh token sk-ant-ort01-abcdefghijklmnop is not valid (sk-ant-ort01-abcdefghijklmnop)"
        let cleaned = ExternalText.clean(text, secrets: [token])
        #expect(!cleaned.contains("abcdefghijklmnop"))
        #expect(cleaned == "refresh token <redacted> is not valid (<redacted>)")
    }

    @Test func longTextIsCutOnACharacterBoundary() {
        let cleaned = ExternalText.clean(String(repeating: "é", count: 10_000), limit: 100)
        #expect(cleaned.utf8.count <= 100)
        #expect(cleaned.hasSuffix("…"))
        #expect(ExternalText.clean(String(repeating: "a", count: 100), limit: 100).count == 100)
    }

    @Test func aSecretAtTheCutIsStillRedacted() {
        let token = Secret(String(repeating: "s", count: 200))
        let text = String(repeating: "a", count: 290) + token.value
        let cleaned = ExternalText.clean(text, limit: 300, secrets: [token])
        #expect(!cleaned.contains("ssss"))
    }

    @Test func hugeInputIsBoundedInTime() {
        let cleaned = ExternalText.clean(String(repeating: "x", count: 1_000_000))
        #expect(cleaned.utf8.count <= ExternalText.defaultLimit)
    }
}
