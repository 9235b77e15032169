import CCurl
import CCurlShim
import MaximizeCore

/// The options each transfer's easy handle gets.
extension CurlLoop {
    /// Sets every option of `easy` for `transfer` (the handle was reset after its last use);
    /// `waitedMs` spent waiting for the gate comes off the request's timeout.
    func configure(_ easy: UnsafeMutableRawPointer, for transfer: CurlTransfer, waitedMs: Int) {
        let request = transfer.request
        let user = Unmanaged.passUnretained(transfer).toOpaque()
        request.url.withCString { _ = mx_curl_easy_setopt_pointer(easy, CURLOPT_URL, $0) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            // `Name:` would tell libcurl to drop the header; `Name;` sends it empty.
            list = curl_slist_append(list, header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        // No `Expect: 100-continue` round trip for large bodies.
        list = curl_slist_append(list, "Expect:")
        transfer.headerList = list
        mx_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, list)
        if let body = request.body {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 1)
            buffer.copyBytes(from: body)
            transfer.body = buffer
            mx_curl_easy_setopt_long(easy, CURLOPT_POST, 1)
            mx_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            mx_curl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, buffer.baseAddress)
        } else if request.method != "GET" {
            request.method.withCString { _ = mx_curl_easy_setopt_pointer(easy, CURLOPT_CUSTOMREQUEST, $0) }
        }
        mx_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, CurlCallbacks.write)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, user)
        mx_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, CurlCallbacks.header)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, user)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, user)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
        mx_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        mx_curl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Self.curlVersion(request.httpVersion))
        // Wait for a connection that may multiplex only where one can: over TLS, where ALPN
        // says so at the handshake (and the gate already holds a burst back). Over cleartext
        // libcurl learns it from the first response, so every new transfer waited for the
        // first answer however long it took.
        if transfer.gateOrigin != nil { mx_curl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1) }
        mx_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        mx_curl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        mx_curl_easy_setopt_long(easy, CURLOPT_MAXAGE_CONN, Self.idleConnectionAge)
        // A proxy's CONNECT answer is not the upstream's response.
        mx_curl_easy_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        let timeoutMs = max(1, Int(request.timeout * 1000) - waitedMs)
        mx_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMs)
        mx_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 30_000))
        if let caFile = request.caFile {
            caFile.withCString { _ = mx_curl_easy_setopt_pointer(easy, CURLOPT_CAINFO, $0) }
        }
        // Called before each attempt's request goes out: a second one is a resend, which
        // ``mayResend(_:)`` may refuse.
        mx_curl_easy_setopt_prereq_callback(easy, CurlCallbacks.prerequest)
        mx_curl_easy_setopt_pointer(easy, CURLOPT_PREREQDATA, user)
        if transfer.gateOrigin != nil { configureGateCallbacks(easy, for: transfer) }
    }

    static func curlVersion(_ preference: HTTPVersionPreference) -> Int {
        switch preference {
        case .auto: mx_curl_http_version_2tls()
        case .http1: mx_curl_http_version_1_1()
        case .http2: mx_curl_http_version_2_prior_knowledge()
        }
    }
}
