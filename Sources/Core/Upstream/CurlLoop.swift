import CCurl
import CCurlShim
import Glibc
import MaximizeCore
import Synchronization

/// The libcurl thread's state and loop: the multi handle, epoll, libcurl's timer, the transfers
/// and their easy handles, and the ``ConnectionGate``.
///
/// Confined to the thread by construction: ``CurlClient`` starts the thread with only its
/// ``CurlMailbox``, the thread creates the loop and runs it until shutdown, and the type is not
/// `Sendable`, so the compiler refuses any path that would hand it (or a ``CurlTransfer``) to
/// another thread. libcurl's C callbacks (``CurlCallbacks``) reach it through a pointer, and only
/// run inside the libcurl calls this loop makes.
final class CurlLoop {
    /// Streams per HTTP/2 connection, for libcurl and the gate alike.
    static let streamsPerConnection = 100
    /// Seconds an idle connection is kept for reuse (`CURLOPT_MAXAGE_CONN`): under the idle
    /// timeouts of common front ends (60 s for AWS load balancers, 75 s for nginx), so a
    /// connection is seldom reused in the instant the server closes it.
    static let idleConnectionAge = 55
    /// Easy handles kept for reuse.
    static let spareHandleLimit = 64

    /// libcurl's global setup, once per process, before the first handle.
    static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    let mailbox: CurlMailbox
    let multi: UnsafeMutableRawPointer
    let epoll: Int32
    /// When libcurl next wants `CURL_SOCKET_TIMEOUT` (monotonic ns).
    var timerDeadline: UInt64?
    /// Sockets registered with epoll.
    var watchedSockets: Set<Int32> = []
    /// Every transfer not yet finished, by id: waiting for the gate or on the multi handle.
    var transfers: [UInt64: CurlTransfer] = [:]
    /// Transfers on the multi handle, by easy handle.
    var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Easy handles of finished transfers, reset and kept for the next ones.
    var spareHandles: [UnsafeMutableRawPointer] = []
    /// Holds back transfers to an HTTP/2-capable origin until a connection can carry them.
    var gate = ConnectionGate<CurlTransfer>(streamsPerConnection: streamsPerConnection)
    /// Transfers the gate let go, started once libcurl's current call returns.
    var released: [ConnectionGate<CurlTransfer>.Release] = []
    /// Open sockets of gated transfers: their origin, and whether they carry an established
    /// connection (closing one tells the gate).
    var gatedSockets: [Int32: (origin: String, established: Bool)] = [:]
    /// The connection cache's size, from the transfers seen in progress.
    var poolSizer = ConnectionPoolSizer(now: WallClock.monotonicNanoseconds())
    /// Whether each gated origin answered over HTTP/2 last time (see ``mayResend(_:)``).
    var multiplexedOrigins: [String: Bool] = [:]

    init(mailbox: CurlMailbox) {
        _ = Self.globalInit
        self.mailbox = mailbox
        multi = curl_multi_init()
        mx_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, mx_curl_pipe_multiplex())
        // Connections kept: sized to the load seen (``ConnectionPoolSizer``), not libcurl's
        // default that follows every momentary dip.
        mx_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, poolSizer.limit)
        mx_curl_multi_setopt_long(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, Self.streamsPerConnection)
        epoll = mx_epoll_create()
        mx_epoll_control(epoll, 1, mailbox.wakeup, 1, 0)
        let user = Unmanaged.passUnretained(self).toOpaque()
        mx_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, user)
        mx_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, user)
        mx_curl_multi_setopt_socket_callback(multi, CurlCallbacks.socket)
        mx_curl_multi_setopt_timer_callback(multi, CurlCallbacks.timer)
    }

    /// Runs until a shutdown command: takes every queued command at each wake-up, then lets
    /// libcurl act on the sockets that are ready and on its timer.
    func run() {
        var running: Int32 = 0
        var fds = [Int32](repeating: 0, count: 256)
        var flags = [Int32](repeating: 0, count: 256)
        while true {
            mailbox.turns.add(1, ordering: .relaxed)
            let commands = mailbox.take()
            var shuttingDown = false
            for command in commands {
                switch command {
                case .add(let id, let request, let delegate):
                    let transfer = CurlTransfer(id: id, request: request, delegate: delegate, loop: self)
                    transfers[id] = transfer
                    admit(transfer)
                case .cancel(let id): cancel(id)
                case .resume(let id): resume(id)
                case .shutdown: shuttingDown = true
                }
            }
            if shuttingDown { return stop() }
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
                if fd == mailbox.wakeup {
                    mx_eventfd_drain(fd)
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

    /// Ends the transfer wherever it is: waiting for the gate, on the multi handle, or released
    /// by the gate earlier in this batch and not started (``startReleased()`` then skips it).
    private func cancel(_ id: UInt64) {
        guard let transfer = transfers[id] else { return }
        let cancelled = UpstreamError(kind: .cancelled, message: "cancelled", curlCode: 0)
        if withdraw(transfer, error: cancelled) { return }
        if transfer.easy != nil {
            remove(transfer, error: cancelled)
        } else {
            end(transfer, error: cancelled)
        }
    }

    private func resume(_ id: UInt64) {
        guard let transfer = transfers[id], let easy = transfer.easy, transfer.paused else { return }
        transfer.paused = false
        curl_easy_pause(easy, mx_curl_pause_cont())
    }

    /// Ends every transfer and frees libcurl's state (the eventfd belongs to the mailbox).
    /// Transfers still waiting for the gate, or released by it in this same batch and not started
    /// yet, end too: every delegate hears its completion.
    private func stop() {
        let shuttingDown = UpstreamError(kind: .cancelled, message: "shutting down", curlCode: 0)
        for transfer in Array(active.values) { remove(transfer, error: shuttingDown) }
        released.removeAll()
        _ = gate.withdrawAll()
        for transfer in transfers.values.sorted(by: { $0.id < $1.id }) { end(transfer, error: shuttingDown) }
        for easy in spareHandles { curl_easy_cleanup(easy) }
        spareHandles.removeAll()
        curl_multi_cleanup(multi)
        close(epoll)
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
}
