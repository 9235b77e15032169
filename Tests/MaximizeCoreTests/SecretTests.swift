import Testing

@testable import MaximizeCore

struct SecretTests {
    @Test func descriptionsAreRedacted() {
        let secret = Secret("sk-ant-very-secret")
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        #expect("\(secret)" == "<redacted>")
        #expect(String(describing: secret) == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        let token = OAuthToken(accessToken: secret, refreshToken: Secret("rt-secret"), expiresAt: 1)
        #expect(!"\(token)".contains("very-secret"))
        #expect(!"\(Credential.oauth(token))".contains("rt-secret"))
        #expect(!String(reflecting: Credential.apiKey(secret)).contains("very-secret"))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains("very-secret") && !dumped.contains("rt-secret"))
        #expect(secret.value == "sk-ant-very-secret")
    }

    @Test(arguments: [
        ("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("ab", "abc", false), ("", "", true),
        ("", "a", false), ("a\u{0}", "a", false), ("é", "e", false),
    ])
    func constantTimeEquals(lhs: String, rhs: String, equal: Bool) {
        #expect(Secret(lhs).constantTimeEquals(rhs) == equal)
    }

    @Test func lengthsDifferingByAMultipleOf256AreNotEqual() {
        let zeros = String(repeating: "\u{0}", count: 256)
        #expect(!Secret("key").constantTimeEquals("key" + zeros))
        #expect(!Secret(zeros).constantTimeEquals(""))
        #expect(!Secret(String(repeating: "a", count: 256)).constantTimeEquals(""))
    }
}
