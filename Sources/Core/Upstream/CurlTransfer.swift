import CCurl
import CCurlShim
import Glibc
import MaximizeCore

/// One upstream transfer on the libcurl thread: the easy handle and what libcurl reads and writes
/// through it.
///
/// Not `Sendable`: it is created, used and dropped by its ``CurlLoop``. Other threads name it by
/// id through an ``UpstreamTransfer``.
final class CurlTransfer {
    let id: UInt64
    let request: UpstreamRequest
    var delegate: (any UpstreamDelegate)?
    /// The loop that runs it (libcurl's callbacks get the transfer, and report to the loop).
    unowned let loop: CurlLoop
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var body: UnsafeMutableRawBufferPointer?
    /// Times the request was sent again because the upstream refused its stream.
    var resends = 0
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// The current response's headers, from libcurl's header callback (names lower-cased).
    var responseHeaders: [(name: String, value: String)] = []
    /// The current response's reason phrase (empty over HTTP/2).
    var reasonPhrase = ""
    var headDelivered = false
    var finished = false
    /// The write callback paused the transfer: the delegate did not take the bytes.
    var paused = false

    /// The origin the ``ConnectionGate`` counts this transfer under; nil when it is not gated.
    var gateOrigin: String?
    /// Started to open a connection for the others waiting on its origin.
    var opener = false
    /// libcurl's pre-request point passed: the transfer has its connection.
    var reachedConnection = false
    /// Connections libcurl had opened for this transfer when it last reached one.
    var connectsSeen = 0
    /// The response's protocol was reported to the gate.
    var protocolReported = false
    /// When the loop took a gated transfer (monotonic ns); waiting counts toward its timeout.
    var queuedAt: UInt64 = 0
    /// Sockets libcurl opened for this transfer's connection attempts.
    var openedSockets: [Int32] = []

    init(id: UInt64, request: UpstreamRequest, delegate: any UpstreamDelegate, loop: CurlLoop) {
        self.id = id
        self.request = request
        self.delegate = delegate
        self.loop = loop
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
        headDelivered = true
        var status = 0
        mx_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        delegate?.upstreamDidReceiveHead(UpstreamResponseHead(status: status, headers: responseHeaders, reason: reasonPhrase))
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
