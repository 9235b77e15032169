/// What a name found in `control/` is.
extension ControlRequest {
    public enum FileKind: Sendable, Equatable {
        /// A request to perform.
        case request(ControlRequest)
        /// A file being written (`maxctl` writes `.<name>.tmp-XXXXXX`, then renames it into
        /// place): left alone.
        case temporary
        /// `<action>.<id>` with an action this daemon does not know (a newer `maxctl`, say):
        /// refused, and the refusal recorded under its id so that its caller learns why.
        case unknownAction(action: String, id: String)
        /// Anything else: not a request; removed so that it does not pile up.
        case invalid
    }

    public static func kind(ofFileName name: String) -> FileKind {
        if name.hasPrefix(".") { return .temporary }
        if let request = ControlRequest(fileName: name) { return .request(request) }
        guard let dot = name.firstIndex(of: ".") else { return .invalid }
        let action = name[..<dot]
        let id = String(name[name.index(after: dot)...])
        // The id follows the same rules as a request's (checked by parsing one).
        guard (1...32).contains(action.utf8.count),
            action.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }),
            ControlRequest(fileName: "reload." + id) != nil
        else { return .invalid }
        return .unknownAction(action: String(action), id: id)
    }
}
