import Logging
import MaximizeCore

extension ConfigReloader {
    /// The topic prefix of the permission warnings in `status.json`.
    static let permissionTopic = "permissions:"

    /// Checks the modes of the state dir and the credential files (at start and on every
    /// credentials or configuration reload). A problem is logged once, when it first appears;
    /// the current ones are listed in `status.json`'s `warnings` until fixed. Modes are never
    /// changed here (a file may be a read-only Secret mount).
    func auditPermissions() {
        let configuration = daemon.current
        var items: [PermissionAudit.Item] = [.directory(daemon.paths.stateDirectory)]
        // The file store only: a shared store's location is a database, not a path.
        if let tokenFile = daemon.credentials.file?.path {
            if FileSystem.directoryName(tokenFile) != daemon.paths.stateDirectory {
                items.append(.directory(FileSystem.directoryName(tokenFile)))
            }
            items.append(.secretFile(tokenFile))
        }
        if let seed {
            items.append(.secretFile(seed.path, hint: "for a Kubernetes Secret, set defaultMode: 0400"))
        }
        // config.json holds a secret only when the inbound API key is written in it.
        let keyInFile = configuration.loaded.entries.contains {
            guard $0.key == "server.api_key", case .file = $0.source else { return false }
            return true
        }
        if keyInFile {
            items.append(.secretFile(loader.paths.configFile))
        }
        let found = PermissionAudit.check(items)
        for (path, message) in found.sorted(by: { $0.key < $1.key }) where reportedPermissions[path] != message {
            configuration.logger.warning("\(message)")
        }
        reportedPermissions = found
        let topic = Self.permissionTopic
        status.replaceWarnings(prefix: topic, with: Dictionary(uniqueKeysWithValues: found.map { (topic + $0.key, $0.value) }))
    }
}
