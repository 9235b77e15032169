import Logging
import MaximizeCore
import MaximizeCurl
import ServiceLifecycle

/// Warns, once after start, about nicknames whose model the upstream does not list; cancelled if
/// the daemon stops first. Done, it waits for its turn in the shutdown: a service that ends
/// while the group shuts down makes `ServiceGroup` cancel all the others, whatever its
/// termination behaviour.
struct NicknameCheck: Service, CustomStringConvertible {
    let daemon: DaemonContext

    var description: String { "nickname check" }

    func run() async {
        await cancelWhenGracefulShutdown { [daemon] in await Self.check(daemon) }
        try? await gracefulShutdown()
    }

    private static func check(_ daemon: DaemonContext) async {
        let configuration = daemon.current
        guard case .ready(let credential) = daemon.credentials.availability(now: WallClock.now()) else { return }
        let request = ModelCatalog.upstreamRequest(settings: configuration.settings, credential: credential)
        guard let response = try? await daemon.client.send(request), response.head.status == 200,
            let ids = ModelCatalog.modelIDs(in: response.body)
        else {
            if !Task.isCancelled { configuration.logger.debug("could not fetch the upstream model list to check nicknames") }
            return
        }
        for (nickname, model) in ModelCatalog.unknownNicknames(settings: configuration.settings, upstreamIDs: ids) {
            configuration.logger.warning(
                "nickname \(nickname) maps to \(model), which the upstream's /v1/models does not list; set models.nicknames.\(nickname) in config.json"
            )
        }
    }
}
