import CCurl
import CCurlShim
import MaximizeCore

/// The ``ConnectionGate`` wiring: which transfers it holds, and what libcurl tells it through the
/// pre-request, socket and header callbacks.
extension CurlLoop {
    /// The origin (`https://host:port`) of a transfer that may be multiplexed, or nil: cleartext
    /// and HTTP/1.1-only transfers each need a connection of their own and are not held back.
    static func gatedOrigin(_ request: UpstreamRequest) -> String? {
        guard request.httpVersion != .http1, request.url.utf8.starts(with: "https://".utf8) else { return nil }
        let rest = request.url.utf8.dropFirst(8)
        let end = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        return String(request.url[..<end])
    }

    /// Takes a new transfer: starts it, or queues it behind the connection being opened.
    func admit(_ transfer: CurlTransfer) {
        guard let origin = Self.gatedOrigin(transfer.request) else {
            begin(transfer)
            return
        }
        transfer.gateOrigin = origin
        transfer.queuedAt = WallClock.monotonicNanoseconds()
        released += gate.admit(transfer, origin: origin)
    }

    /// Ends a transfer that is still waiting for the gate; false when it is not waiting.
    func withdraw(_ transfer: CurlTransfer, error: UpstreamError) -> Bool {
        guard transfer.easy == nil, !transfer.finished, let origin = transfer.gateOrigin,
            gate.withdraw(origin: origin, where: { $0 === transfer }) != nil
        else { return false }
        end(transfer, error: error)
        return true
    }

    /// Starts what the gate released (never inside a libcurl callback, where adding a handle is
    /// not allowed).
    func startReleased() {
        while !released.isEmpty {
            let batch = released
            released.removeAll(keepingCapacity: true)
            for release in batch {
                let transfer = release.waiter
                guard !transfer.finished else {
                    // Cancelled after its release: its turn passes on.
                    released += gate.finished(
                        origin: transfer.gateOrigin ?? "",
                        opener: release.opener,
                        reachedConnection: false,
                        failed: false
                    )
                    continue
                }
                transfer.opener = release.opener
                begin(transfer)
            }
        }
    }

    func configureGateCallbacks(_ easy: UnsafeMutableRawPointer, for transfer: CurlTransfer) {
        let user = Unmanaged.passUnretained(transfer).toOpaque()
        mx_curl_easy_setopt_opensocket_callback(easy, CurlCallbacks.openSocket)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, user)
        mx_curl_easy_setopt_closesocket_callback(easy, CurlCallbacks.closeSocket)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_CLOSESOCKETDATA, Unmanaged.passUnretained(self).toOpaque())
    }

    /// libcurl is about to send `transfer`'s request: it has a connection, new or reused (again
    /// when libcurl retries the request, on a refused stream say). False refuses a resend.
    func transferReachedConnection(_ transfer: CurlTransfer) -> Bool {
        let firstTime = !transfer.reachedConnection
        if !firstTime, !mayResend(transfer) { return false }
        transfer.reachedConnection = true
        guard let origin = transfer.gateOrigin, let easy = transfer.easy else { return true }
        var connects = 0
        mx_curl_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        let newConnection = connects > transfer.connectsSeen
        transfer.connectsSeen = connects
        if newConnection, let socket = transfer.openedSockets.last(where: { gatedSockets[$0]?.established == false }) {
            gatedSockets[socket]?.established = true
        }
        transfer.openedSockets.removeAll()
        released += gate.reachedConnection(
            origin: origin,
            opener: transfer.opener,
            newConnection: newConnection,
            firstTime: firstTime
        )
        return true
    }

    func socketOpened(_ socket: Int32, for transfer: CurlTransfer) {
        guard let origin = transfer.gateOrigin else { return }
        gatedSockets[socket] = (origin, false)
        transfer.openedSockets.append(socket)
    }

    func socketClosing(_ socket: Int32) {
        guard let closed = gatedSockets.removeValue(forKey: socket), closed.established else { return }
        released += gate.connectionClosed(origin: closed.origin)
    }
}
