import MaximizeCore

extension APIError {
    /// What a client gets when no credential can be used: `401 authentication_error`.
    init(_ unavailable: CredentialUnavailable) {
        self.init(.authentication, unavailable.message)
    }
}
