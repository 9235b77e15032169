public import MaximizeCore
import CCurl
import CCurlShim
import NIOConcurrencyHelpers
import Synchronization

import Glibc

/// The upstream HTTP client: one dedicated thread owns a libcurl multi handle and every easy
/// handle; requests, cancellations and resumptions reach it through a queue and an eventfd.
///
/// The thread runs libcurl's event-driven interface (`curl_multi_socket_action` over epoll), so
/// the cost of an event does not grow with the number of open transfers. Connections are cached
/// and reused across requests, and HTTP/2 streams are multiplexed over one connection when the
/// upstream speaks it.
public final class CurlClient: Sendable {
    enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
        case shutdown
    }

    /// The multi handle; touched only on the client's thread.
    nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    /// Wakes the client's thread when a command is queued.
    let wakeup: Int32
    let epoll: Int32
    /// When libcurl next wants `CURL_SOCKET_TIMEOUT` (monotonic ns); client's thread only.
    nonisolated(unsafe) var timerDeadline: UInt64?
    /// Sockets registered with epoll; client's thread only.
    nonisolated(unsafe) var watchedSockets: Set<Int32> = []
    private let queue = NIOLockedValueBox<[Command]>([])
    private let stopped = Atomic<Bool>(false)
    private let turns = Atomic<UInt64>(0)
    /// Transfers in progress, by easy handle; touched only on the client's thread.
    nonisolated(unsafe) private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Easy handles of finished transfers, reset and kept for the next ones; client's thread only.
    nonisolated(unsafe) private var spareHandles: [UnsafeMutableRawPointer] = []
    static let spareHandleLimit = 64
    /// Holds back transfers to an HTTP/2-capable origin until a connection can carry them;
    /// client's thread only.
    nonisolated(unsafe) var gate = ConnectionGate<CurlTransfer>(streamsPerConnection: streamsPerConnection)
    /// Transfers the gate let go, started once libcurl's current call returns; client's thread only.
    nonisolated(unsafe) var released: [ConnectionGate<CurlTransfer>.Release] = []
    /// Open sockets of gated transfers: their origin, and whether they carry an established
    /// connection (closing one tells the gate); client's thread only.
    nonisolated(unsafe) var gatedSockets: [Int32: (origin: String, established: Bool)] = [:]
    /// Streams per HTTP/2 connection, for libcurl and the gate alike.
    static let streamsPerConnection = 100
    nonisolated(unsafe) private var thread = pthread_t()

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    public init() {
        _ = Self.globalInit
        multi = curl_multi_init()
        mx_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, mx_curl_pipe_multiplex())
        // Idle connections kept: libcurl's default, four per transfer in progress, so a burst of N
        // concurrent requests over HTTP/1.1 keeps its N connections instead of reopening them.
        mx_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, -1)
        mx_curl_multi_setopt_long(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, Self.streamsPerConnection)
        epoll = mx_epoll_create()
        wakeup = mx_eventfd_create()
        mx_epoll_control(epoll, 1, wakeup, 1, 0)
        let user = Unmanaged.passUnretained(self).toOpaque()
        mx_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, user)
        mx_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, user)
        mx_curl_multi_setopt_socket_callback(multi, CurlCallbacks.socket)
        mx_curl_multi_setopt_timer_callback(multi, CurlCallbacks.timer)
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(
            &thread,
            nil,
            { argument in
                let client = Unmanaged<CurlClient>.fromOpaque(argument!).takeRetainedValue()
                client.run()
                return nil
            },
            box
        )
    }

    /// Starts `request`; `delegate` hears its events on the client's thread.
    public func start(_ request: UpstreamRequest, delegate: any UpstreamDelegate) -> UpstreamTransfer {
        let transfer = CurlTransfer(request: request, delegate: delegate, client: self)
        enqueue(.add(transfer))
        return UpstreamTransfer(transfer: transfer, client: self)
    }

    /// Cancels every transfer and stops the thread.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        enqueue(.shutdown)
        pthread_join(thread, nil)
    }

    /// How many times the client's thread has gone round its loop. The loop wakes at least once a
    /// second even when idle, so a count that stops moving means the thread is wedged.
    public var loopTurns: UInt64 { turns.load(ordering: .relaxed) }

    func enqueue(_ command: Command) {
        queue.withLockedValue { $0.append(command) }
        mx_eventfd_signal(wakeup)
    }

    // MARK: - The client's thread

    private func run() {
        var running: Int32 = 0
        var shuttingDown = false
        var fds = [Int32](repeating: 0, count: 256)
        var flags = [Int32](repeating: 0, count: 256)
        while true {
            turns.add(1, ordering: .relaxed)
            let commands = queue.withLockedValue { queue in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return taken
            }
            for command in commands {
                switch command {
                case .add(let transfer): admit(transfer)
                case .cancel(let transfer):
                    let cancelled = UpstreamError(kind: .cancelled, message: "cancelled", curlCode: 0)
                    if !withdraw(transfer, error: cancelled) { remove(transfer, error: cancelled) }
                case .resume(let transfer):
                    if let easy = transfer.easy, !transfer.finished, transfer.paused {
                        transfer.paused = false
                        curl_easy_pause(easy, mx_curl_pause_cont())
                    }
                case .shutdown: shuttingDown = true
                }
            }
            if shuttingDown {
                released.removeAll()
                for transfer in gate.withdrawAll() {
                    transfer.finish(UpstreamError(kind: .cancelled, message: "shutting down", curlCode: 0))
                }
                for transfer in Array(active.values) {
                    remove(transfer, error: UpstreamError(kind: .cancelled, message: "shutting down", curlCode: 0))
                }
                for easy in spareHandles { curl_easy_cleanup(easy) }
                spareHandles.removeAll()
                curl_multi_cleanup(multi)
                close(epoll)
                close(wakeup)
                return
            }
            collectFinished()
            startReleased()
            // Wait for a socket, the timer libcurl asked for, or a command.
            var timeout: Int32 = 1000
            if let deadline = timerDeadline {
                let now = WallClock.monotonicNanoseconds()
                timeout = deadline <= now ? 0 : Int32(min(1000, (deadline - now + 999_999) / 1_000_000))
            }
            let count = mx_epoll_wait(epoll, &fds, &flags, 256, commands.isEmpty ? timeout : 0)
            for index in 0..<max(0, Int(count)) {
                let fd = fds[index]
                if fd == wakeup {
                    mx_eventfd_drain(wakeup)
                    continue
                }
                var action: Int32 = 0
                if flags[index] & 1 != 0 { action |= mx_curl_cselect_in() }
                if flags[index] & 2 != 0 { action |= mx_curl_cselect_out() }
                if flags[index] & 4 != 0 { action |= mx_curl_cselect_err() }
                curl_multi_socket_action(multi, fd, action, &running)
            }
            if let deadline = timerDeadline, deadline <= WallClock.monotonicNanoseconds() {
                timerDeadline = nil
                curl_multi_socket_action(multi, mx_curl_socket_timeout(), 0, &running)
            }
            collectFinished()
            startReleased()
        }
    }

    /// Completes the transfers libcurl reports done.
    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = active[easy]
            else { continue }
            let code = message.pointee.data.result
            if code == CURLE_OK {
                remove(transfer, error: nil)
            } else {
                remove(transfer, error: Self.error(code: code, transfer: transfer))
            }
        }
    }

    /// libcurl's socket callback: watch `socket` for what it asks, or stop watching it.
    func watch(socket: Int32, what: Int32) {
        if what == mx_curl_poll_remove() {
            if watchedSockets.remove(socket) != nil { mx_epoll_control(epoll, 2, socket, 0, 0) }
            return
        }
        let readable: Int32 = what & mx_curl_poll_in() != 0 ? 1 : 0
        let writable: Int32 = what & mx_curl_poll_out() != 0 ? 1 : 0
        if watchedSockets.insert(socket).inserted {
            mx_epoll_control(epoll, 1, socket, readable, writable)
        } else {
            mx_epoll_control(epoll, 3, socket, readable, writable)
        }
    }

    /// libcurl's timer callback: `-1` cancels, otherwise time out after `milliseconds`.
    func setTimer(milliseconds: Int) {
        timerDeadline = milliseconds < 0 ? nil : WallClock.monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
    }

    /// Puts `transfer` on the multi handle (a gated one once the gate released it).
    func begin(_ transfer: CurlTransfer) {
        let waitedMs = transfer.gateOrigin == nil ? 0 : Int((WallClock.monotonicNanoseconds() - transfer.queuedAt) / 1_000_000)
        if waitedMs > 0, waitedMs >= Int(transfer.request.timeout * 1000) {
            let error = UpstreamError(kind: .timeout, message: "no upstream connection within the timeout", curlCode: 0)
            transfer.finish(error)
            if let origin = transfer.gateOrigin {
                released += gate.finished(origin: origin, opener: transfer.opener, reachedConnection: false, failed: false)
            }
            return
        }
        let easy = spareHandles.popLast() ?? curl_easy_init()!
        transfer.easy = easy
        configure(easy, for: transfer, waitedMs: waitedMs)
        active[easy] = transfer
        let code = curl_multi_add_handle(multi, easy)
        if code != CURLM_OK {
            remove(
                transfer,
                error: UpstreamError(
                    kind: .transfer,
                    message: String(cString: curl_multi_strerror(code)),
                    curlCode: Int(code.rawValue)
                )
            )
        }
    }

    /// Takes a transfer off the multi handle and tells its delegate. Connections stay cached in
    /// the multi handle; the easy handle is reset (every option back to its default) and kept
    /// for a later transfer.
    func remove(_ transfer: CurlTransfer, error: UpstreamError?) {
        guard let easy = transfer.easy, active.removeValue(forKey: easy) != nil else { return }
        curl_multi_remove_handle(multi, easy)
        transfer.finish(error)
        transfer.easy = nil
        if let origin = transfer.gateOrigin {
            let failed = error.map { $0.kind != .cancelled } ?? false
            released += gate.finished(
                origin: origin,
                opener: transfer.opener,
                reachedConnection: transfer.reachedConnection,
                failed: failed
            )
        }
        if spareHandles.count < Self.spareHandleLimit {
            curl_easy_reset(easy)
            spareHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    private static func error(code: CURLcode, transfer: CurlTransfer) -> UpstreamError {
        let kind: UpstreamError.Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_INITFAILED:
            kind = .tls
        default: kind = .transfer
        }
        return UpstreamError(kind: kind, message: transfer.errorMessage(code: code), curlCode: Int(code.rawValue))
    }
}
