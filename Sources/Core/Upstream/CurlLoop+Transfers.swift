import CCurl
import CCurlShim
import MaximizeCore

/// Starting, ending and reporting transfers.
extension CurlLoop {
    /// Puts `transfer` on the multi handle (a gated one once the gate released it).
    func begin(_ transfer: CurlTransfer) {
        let waitedMs = transfer.gateOrigin == nil ? 0 : Int((WallClock.monotonicNanoseconds() - transfer.queuedAt) / 1_000_000)
        if waitedMs > 0, waitedMs >= Int(transfer.request.timeout * 1000) {
            let error = UpstreamError(kind: .timeout, message: "no upstream connection within the timeout", curlCode: 0)
            end(transfer, error: error)
            if let origin = transfer.gateOrigin {
                released += gate.finished(origin: origin, opener: transfer.opener, reachedConnection: false, failed: false)
            }
            return
        }
        let easy = spareHandles.popLast() ?? curl_easy_init()!
        transfer.easy = easy
        configure(easy, for: transfer, waitedMs: waitedMs)
        active[easy] = transfer
        if let limit = poolSizer.observe(inFlight: active.count, now: WallClock.monotonicNanoseconds()) {
            mx_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, limit)
        }
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
        // While the handle is still on the multi handle: the head's status is read from it.
        end(transfer, error: error)
        curl_multi_remove_handle(multi, easy)
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

    /// Tells `transfer`'s delegate it ended and forgets the transfer (later commands for its id
    /// find nothing).
    func end(_ transfer: CurlTransfer, error: UpstreamError?) {
        transfers[transfer.id] = nil
        transfer.finish(error)
    }

    /// Completes the transfers libcurl reports done.
    func collectFinished() {
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

    /// A header block ended (libcurl's header callback passed its blank line): the protocol is
    /// known, and a final (non-1xx) head goes to the delegate.
    func headerBlockEnded(_ transfer: CurlTransfer) {
        guard let easy = transfer.easy else { return }
        if !transfer.protocolReported, let origin = transfer.gateOrigin {
            transfer.protocolReported = true
            var version = 0
            mx_curl_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
            let multiplexed = version > mx_curl_http_version_1_1()
            if multiplexedOrigins[origin] != multiplexed { multiplexedOrigins[origin] = multiplexed }
            released += gate.learnedProtocol(origin: origin, multiplexed: multiplexed)
        }
        var status = 0
        mx_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        if status >= 200 || status == 0 { transfer.deliverHead() }
    }

    static func error(code: CURLcode, transfer: CurlTransfer) -> UpstreamError {
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
        var message = transfer.errorMessage(code: code)
        if code == CURLE_ABORTED_BY_CALLBACK {
            // libcurl wanted to send the request again and ``mayResend(_:)`` said no.
            message =
                "the connection failed after the request was sent (\(message)); not resent, as the "
                + "upstream may have processed it"
        }
        return UpstreamError(kind: kind, message: message, curlCode: Int(code.rawValue))
    }
}
