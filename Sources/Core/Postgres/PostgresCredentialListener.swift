import Glibc
public import MaximizeCore
import NIOConcurrencyHelpers

/// The listener's connection, as ``PostgresCredentialListener`` reports it.
public enum PostgresListenerState: Sendable, Equatable {
    case connected
    case disconnected(reason: String)
}

/// Hears at once when another replica changes the credential: a connection of its own with
/// `LISTEN maximize_credentials`, waited on with `poll()` on a thread of its own.
///
/// `onChange` is called for each batch of notifications naming this credential, and once after
/// every reconnection (notifications sent while disconnected are lost); start the listener before
/// the first `load()` so nothing falls between them. `onState` is called on transitions. Both run
/// on the listener's thread: keep them short. A lost connection is made again with backoff
/// (0.5 s doubling to 30 s); an idle one is checked every `healthCheckInterval` seconds.
public final class PostgresCredentialListener: Sendable {
    private let runner: Runner

    public init(
        url: String,
        password: Secret?,
        credentialName: String,
        connectTimeout: Int = 5,
        healthCheckInterval: Double = 15,
        onChange: @escaping @Sendable () -> Void,
        onState: @escaping @Sendable (PostgresListenerState) -> Void
    ) {
        runner = Runner(
            endpoint: PostgresEndpoint(url: url, password: password, connectTimeout: connectTimeout),
            name: credentialName,
            healthCheckInterval: healthCheckInterval,
            onChange: onChange,
            onState: onState
        )
    }

    /// Starts the thread (once).
    public func start() {
        guard
            runner.flags.withLockedValue({ flags in
                defer { flags.started = true }
                return !flags.started && !flags.stopping
            })
        else { return }
        runner.flags.withLockedValue { $0.running = true }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(runner).toOpaque()
        pthread_create(
            &thread,
            nil,
            { argument in
                let runner = Unmanaged<Runner>.fromOpaque(argument!).takeRetainedValue()
                runner.run()
                return nil
            },
            box
        )
        pthread_detach(thread)
    }

    /// Stops the thread without waiting: it closes its connection and ends (within a
    /// `connect_timeout` when it is connecting). ``isRunning`` tells when it has.
    public func stop() {
        runner.flags.withLockedValue { $0.stopping = true }
        var byte: UInt8 = 1
        _ = write(runner.wakeWrite, &byte, 1)
    }

    /// Whether the thread is still running.
    public var isRunning: Bool { runner.flags.withLockedValue { $0.running } }

    deinit {
        stop()
    }

    final class Runner: Sendable {
        struct Flags {
            var started = false
            var stopping = false
            var running = false
        }

        let endpoint: PostgresEndpoint
        let name: String
        let healthCheckInterval: Double
        let onChange: @Sendable () -> Void
        let onState: @Sendable (PostgresListenerState) -> Void
        let flags = NIOLockedValueBox(Flags())
        let wakeRead: Int32
        let wakeWrite: Int32

        init(
            endpoint: PostgresEndpoint,
            name: String,
            healthCheckInterval: Double,
            onChange: @escaping @Sendable () -> Void,
            onState: @escaping @Sendable (PostgresListenerState) -> Void
        ) {
            self.endpoint = endpoint
            self.name = name
            self.healthCheckInterval = max(0.1, healthCheckInterval)
            self.onChange = onChange
            self.onState = onState
            var fds: [Int32] = [-1, -1]
            if pipe(&fds) == 0 {
                for fd in fds {
                    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                }
            }
            wakeRead = fds[0]
            wakeWrite = fds[1]
        }

        deinit {
            close(wakeRead)
            close(wakeWrite)
        }

        private var stopping: Bool { flags.withLockedValue { $0.stopping } }

        func run() {
            defer { flags.withLockedValue { $0.running = false } }
            var connectedBefore = false
            var reported: PostgresListenerState?
            var failures = 0
            while !stopping {
                let reason: String
                do {
                    let session = try PostgresSession.connect(endpoint)
                    try session.execute("LISTEN \(PostgresSchema.channel)")
                    failures = 0
                    reported = .connected
                    onState(.connected)
                    if connectedBefore { onChange() }
                    connectedBefore = true
                    reason = serve(session)
                } catch {
                    reason = error.reason
                }
                if stopping { break }
                if reported != .disconnected(reason: reason), reported == .connected || reported == nil {
                    onState(.disconnected(reason: reason))
                }
                reported = .disconnected(reason: reason)
                failures += 1
                _ = wait(seconds: min(30, 0.5 * Double(1 << min(failures - 1, 6))))
            }
        }

        /// Waits for notifications until the connection is lost (its reason) or a stop.
        private func serve(_ session: PostgresSession) -> String {
            deliver(session.notifications())
            while !stopping {
                var fds = [
                    pollfd(fd: session.socket, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&fds, 2, Int32(healthCheckInterval * 1000))
                if ready < 0 {
                    if errno == EINTR { continue }
                    return "poll failed (errno \(errno))"
                }
                if stopping { return "stopped" }
                do {
                    if ready == 0 {
                        try session.execute("SELECT 1")
                    } else {
                        try session.consumeInput()
                    }
                } catch {
                    return error.reason
                }
                deliver(session.notifications())
            }
            return "stopped"
        }

        private func deliver(_ notifications: [(channel: String, payload: String)]) {
            if notifications.contains(where: { $0.channel == PostgresSchema.channel && $0.payload == name }) { onChange() }
        }

        /// Sleeps `seconds` unless woken by ``stop()``; `true` when woken.
        private func wait(seconds: Double) -> Bool {
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            return poll(&fds, 1, Int32(seconds * 1000)) > 0
        }
    }
}
