import MaximizeCore
import CCurl
import CCurlShim

import Glibc

/// One upstream transfer: the easy handle and what libcurl reads and writes through it.
///
/// All mutable state is touched only on the ``CurlClient``'s thread; other threads only hold a
/// reference and send commands through the client.
final class CurlTransfer: @unchecked Sendable {
    let request: UpstreamRequest
    var delegate: (any UpstreamDelegate)?
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var body: UnsafeMutableRawBufferPointer?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    var responseHeaders: [(name: String, value: String)] = []
    var headDelivered = false
    var finished = false
    var paused = false

    /// The client that runs it (for libcurl's connection callbacks, which get the transfer).
    let client: CurlClient
    /// The origin the ``ConnectionGate`` counts this transfer under; nil when it is not gated.
    var gateOrigin: String?
    /// Started to open a connection for the others waiting on its origin.
    var opener = false
    /// libcurl's pre-request point passed: the transfer has its connection.
    var reachedConnection = false
    /// Connections libcurl had opened for this transfer when it last reached one.
    var connectsSeen = 0
    /// The status line's protocol was reported to the gate.
    var protocolReported = false
    /// When the client's thread took a gated transfer (monotonic ns); waiting counts toward its timeout.
    var queuedAt: UInt64 = 0
    /// Sockets libcurl opened for this transfer's connection attempts.
    var openedSockets: [Int32] = []

    init(request: UpstreamRequest, delegate: any UpstreamDelegate, client: CurlClient) {
        self.request = request
        self.delegate = delegate
        self.client = client
        errorBuffer.initialize(to: 0)
    }

    deinit {
        errorBuffer.deallocate()
        body?.deallocate()
        if let headerList { curl_slist_free_all(headerList) }
    }

    /// Delivers the head when it has not been delivered yet.
    func deliverHead() {
        guard !headDelivered, let easy else { return }
        var status = 0
        mx_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        headDelivered = true
        delegate?.upstreamDidReceiveHead(UpstreamResponseHead(status: status, headers: responseHeaders))
    }

    /// Ends the transfer once: tells the delegate and drops it.
    func finish(_ error: UpstreamError?) {
        guard !finished else { return }
        finished = true
        if error == nil { deliverHead() }
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamDidComplete(error)
    }

    /// libcurl's message, with the system's reason when a socket call failed ("Connection refused").
    func errorMessage(code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        var message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        var systemError = 0
        if let easy { mx_curl_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &systemError) }
        if systemError != 0, let reason = strerror(Int32(systemError)) { message += " (\(String(cString: reason)))" }
        return message
    }
}

/// The handle a caller keeps for a transfer it started.
public struct UpstreamTransfer: Sendable {
    let transfer: CurlTransfer
    let client: CurlClient

    /// Stops the transfer; the delegate hears `.cancelled` unless it had already completed.
    public func cancel() {
        client.enqueue(.cancel(transfer))
    }

    /// Continues a transfer paused by the delegate.
    public func resume() {
        client.enqueue(.resume(transfer))
    }
}
