import MaximizeCore

/// The `/auth/status` document: what credentials the daemon holds, never any part of them.
enum AuthStatus {
    static func json(daemon: DaemonContext) -> JSONValue {
        let now = WallClock.now()
        let snapshot = daemon.credentials.snapshot
        var object = JSONObject()
        object["kind"] = .string((snapshot.credential?.kind ?? .none).rawValue)
        object["source"] = .string(daemon.credentials.location)
        let reason = daemon.credentials.unreadyReason(now: now)
        object["usable"] = .bool(reason == nil)
        object["reason"] = reason.map { .string($0) } ?? .null
        if case .oauth(let token) = snapshot.credential {
            object["expires_at"] = token.expiresAt.map { .string(Timestamp.iso8601($0)) } ?? .null
            object["expires_in_seconds"] = token.expiresAt.map { .int(Int(($0 - now).rounded(.down))) } ?? .null
            object["has_refresh_token"] = .bool(token.refreshToken != nil)
            object["scopes"] = token.scopes.map { .array($0.map { .string($0) }) } ?? .null
            object["subscription_type"] = token.subscriptionType.map { .string($0) } ?? .null
        } else {
            object["expires_at"] = .null
            object["expires_in_seconds"] = .null
        }
        object["last_refresh_at"] = snapshot.lastRefreshAt.map { .string(Timestamp.iso8601($0)) } ?? .null
        object["last_refresh_error"] = snapshot.lastRefreshError.map { .string($0) } ?? .null
        object["refresh_rejected"] = .bool(snapshot.refreshRejected)
        object["file_error"] = snapshot.loadError.map { .string($0.description) } ?? .null
        return .object(object)
    }
}
