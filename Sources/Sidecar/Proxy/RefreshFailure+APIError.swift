import MaximizeCore

extension TokenRefresher.Failure {
    /// What a client gets when its request needed a refresh that failed.
    var apiError: APIError {
        switch self {
        case .oauth(.transient(let message, _)):
            APIError(.api, status: 502, "the access token expired and refreshing it failed (\(message)); retrying in the background")
        case .oauth(let error) where isRejected:
            APIError(.authentication, "the refresh token was rejected (\(error)); run `maxctl login`")
        case .credentials(let error):
            APIError(.authentication, "maximize has no usable credentials: \(error)")
        default:
            APIError(.api, "refreshing the access token failed: \(description)")
        }
    }
}
