import ArgumentParser
import MaximizeControl
import MaximizeCore

/// `maxctl health`: a probe for Docker and Kubernetes; reads `status.json` only, no network.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Probe the daemon from status.json: exit 0 when healthy, 1 (with the reason) when not.",
        discussion: """
            Reads only status.json (no network, no config.json), so it is cheap enough for frequent probes. \
            A daemon killed without stopping is unhealthy at once when its run dir lock is released or, \
            from its pid namespace, when its pid is gone; otherwise when its heartbeat is older than --max-age.
            """
    )

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "Liveness: the process is alive and its heartbeat fresh.")
    var live = false

    @Flag(name: .long, help: "Readiness (the default): requests are served (ready or degraded).")
    var ready = false

    @Flag(name: .long, help: "Start-up: the listeners are up, whatever the credentials.")
    var startup = false

    @Option(name: .long, help: "A status.json older than this many seconds is stale, hence unhealthy.")
    var maxAge: Double = 15

    func validate() throws {
        if [live, ready, startup].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --live, --ready and --startup")
        }
    }

    var probe: HealthProbe { live ? .live : startup ? .startup : .ready }

    func run() throws {
        let file = StatusFile(runDirectory: options.paths.runDirectory)
        let status = Result { () throws(StatusFile.ReadError) in try file.read() }
        let process = (try? status.get()).map { ProcessObservation.observe($0, runDirectory: file.runDirectory) } ?? .none
        let verdict = HealthCheck.evaluate(status, probe: probe, maxAge: maxAge, now: WallClock.now(), process: process)
        if verdict.healthy {
            print(verdict.message)
        } else {
            throw CommandFailure(verdict.message)
        }
    }
}
