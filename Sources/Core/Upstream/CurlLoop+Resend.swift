import CCurl
import CCurlShim
import MaximizeCore

/// When a request may go upstream a second time.
///
/// libcurl 7.88 sends a request again, body and all, in two cases: a reused connection failed
/// before any byte of the response arrived, and an HTTP/2 stream was refused (`RST_STREAM` with
/// `REFUSED_STREAM`, or a `GOAWAY` whose last stream id is below it, which nghttp2 reports the
/// same way). Only the second says the upstream did not process the request; the first may follow
/// a request the upstream read and acted on (a Messages call spends the user's quota), so it is
/// answered 502 and the client retries under its own policy. libcurl calls the pre-request
/// callback before each attempt goes out (``CurlCallbacks/prerequest``); a second call is a
/// resend, and asks here (refused: the transfer ends with `CURLE_ABORTED_BY_CALLBACK`).
extension CurlLoop {
    /// Resends of one request after refused streams (libcurl would make five).
    static let resendLimit = 2

    /// Whether libcurl may send `transfer`'s request again. A refused stream leaves no error
    /// message behind; a transport failure (a reset, a broken pipe) leaves libcurl's first one in
    /// the error buffer. A refusal only happens on HTTP/2: the request asked for it, or its
    /// origin last answered over it. An origin that has not answered yet cannot have an HTTP/1.1
    /// connection to reuse (one is kept only after a whole response), so only a stream can have
    /// been refused there.
    func mayResend(_ transfer: CurlTransfer) -> Bool {
        // A request without a body (listing models) is idempotent: libcurl's retry stands.
        guard transfer.request.body != nil else { return true }
        guard transfer.resends < Self.resendLimit, transfer.errorBuffer.pointee == 0 else { return false }
        let multiplexed: Bool
        switch transfer.request.httpVersion {
        case .http2: multiplexed = true
        case .http1: multiplexed = false
        case .auto:
            // Cleartext `http://` is HTTP/1.1 (no upgrade); `https://` transfers carry their origin.
            guard let origin = transfer.gateOrigin else { return false }
            multiplexed = multiplexedOrigins[origin] ?? true
        }
        guard multiplexed else { return false }
        transfer.resends += 1
        return true
    }
}
