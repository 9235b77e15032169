import Testing

@testable import MaximizeCore

struct PKCETests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hexDigest(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }

    @Test func challengeMatchesRFC7636AppendixB() {
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", state: "s")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func generatedValuesAreURLSafeAndFresh() {
        let first = PKCE.generate()
        let second = PKCE.generate()
        #expect(first.verifier.count == 43)
        #expect(first.verifier != second.verifier && first.state != second.state)
        #expect(first.verifier.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func base64URL() {
        #expect(Base64URL.encode(Array("f".utf8)) == "Zg")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    }

    @Test func authorizeURLCarriesTheClientAndChallenge() throws {
        let settings = try ConfigurationLoader(
            paths: MaximizePaths.resolve(stateDirectory: "/tmp/x", environment: [:]),
            environment: [:]
        ).load(fileContents: nil).settings
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", state: "st@te")
        let url = pkce.authorizeURL(settings: settings.oauth)
        #expect(url.hasPrefix("https://claude.ai/oauth/authorize?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e"))
        #expect(url.contains("&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode%2Fcallback"))
        #expect(url.contains("&scope=user%3Aprofile%20user%3Ainference%20user%3Asessions%3Aclaude_code"))
        #expect(url.contains("&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"))
        #expect(url.hasSuffix("&state=st%40te"))
    }

    @Test func pastedCodeIsCheckedAgainstTheState() throws {
        let pkce = PKCE(verifier: "v", state: "abc")
        #expect(try pkce.code(fromPasted: "  the-code#abc \n") == "the-code")
        #expect(throws: OAuthError.self) { try pkce.code(fromPasted: "the-code#other") }
        #expect(throws: OAuthError.self) { try pkce.code(fromPasted: "the-code") }
        #expect(throws: OAuthError.self) { try pkce.code(fromPasted: "#abc") }
        #expect(throws: OAuthError.self) { try pkce.code(fromPasted: "") }
    }
}
