import Foundation
import MaximizeCore

/// Token files, the mock's token endpoint and waiting on `/auth/status`, for the refresh tests.
extension RefreshTests {
    static func tokens(access: String, refresh: String, expiresIn: Double, obtainedAgo: Double = 0) -> String {
        let now = Date().timeIntervalSince1970
        return
            #"{"access_token":"\#(access)","refresh_token":"\#(refresh)","expires_at":\#(Int(now + expiresIn)),"obtained_at":\#(Int(now - obtainedAgo))}"#
    }

    static func oauthEnvironment(_ mock: MockUpstream) -> [String: String] {
        ["MAXIMIZE_OAUTH_TOKEN_URL": mock.tokenEndpoint]
    }

    static func readToken(_ path: String) throws -> OAuthToken? {
        guard let bytes = FileManager.default.contents(atPath: path),
            case .oauth(let token) = try TokenFile.parse(Array(bytes), path: path)
        else { return nil }
        return token
    }

    /// Waits until `condition` holds for the daemon's `/auth/status`.
    static func waitForAuthStatus(_ sidecar: SidecarProcess, timeout: Double = 10, _ condition: (JSONValue) -> Bool) async -> Bool {
        let deadline = WallClock.now() + timeout
        while WallClock.now() < deadline {
            if let status = try? sidecar.request("GET", "/auth/status").json, condition(status) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    static func message(_ sidecar: SidecarProcess) throws -> RawHTTP.Response {
        try sidecar.request("POST", "/v1/messages", body: #"{"messages":[{"role":"user","content":"hi"}]}"#)
    }
}
