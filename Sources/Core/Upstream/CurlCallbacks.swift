import CCurl
import CCurlShim
import Glibc
import MaximizeCore

/// libcurl's callbacks. They run on the libcurl thread, inside the calls its ``CurlLoop`` makes
/// (`curl_multi_socket_action` mostly; also `curl_multi_add_handle`, `curl_multi_remove_handle`,
/// `curl_easy_pause` and `curl_multi_cleanup`), with the ``CurlTransfer`` (easy handle options)
/// or the loop (multi handle options, socket close) as user data.
enum CurlCallbacks {
    static let write: mx_curl_data_callback = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        transfer.deliverHead()
        guard let delegate = transfer.delegate else { return length }
        if delegate.upstreamDidReceive(UnsafeRawBufferPointer(start: data, count: length)) {
            transfer.paused = false
            return length
        }
        transfer.paused = true
        return mx_curl_writefunc_pause()
    }

    /// Collects the head's header lines; the blank line that ends a header block reports it.
    static let header: mx_curl_data_callback = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let length = size * count
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        switch ResponseHeaderLine.parse(UnsafeRawBufferPointer(start: data, count: length)) {
        case .end: transfer.loop.headerBlockEnded(transfer)
        // A new response (after a 1xx): start over.
        case .status(let reason):
            transfer.responseHeaders.removeAll(keepingCapacity: true)
            transfer.reasonPhrase = reason
        case .header(let name, let value): transfer.responseHeaders.append((name, value))
        case .other: break
        }
        return length
    }

    /// The pre-request point: the transfer has a connection and its request is about to go.
    static let prerequest: mx_curl_prereq_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        // CURL_PREREQFUNC_OK, or _ABORT: the transfer ends with CURLE_ABORTED_BY_CALLBACK.
        return transfer.loop.transferReachedConnection(transfer) ? 0 : 1
    }

    /// Opens a socket as libcurl would, noting it for the gate's connection count.
    static let openSocket: mx_curl_opensocket_callback = { userdata, _, address in
        guard let userdata, let address else { return -1 }
        let type = address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue)
        let socket = Glibc.socket(address.pointee.family, type, address.pointee.protocol)
        guard socket >= 0 else { return -1 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.loop.socketOpened(socket, for: transfer)
        return socket
    }

    static let closeSocket: mx_curl_closesocket_callback = { userdata, socket in
        if let userdata {
            Unmanaged<CurlLoop>.fromOpaque(userdata).takeUnretainedValue().socketClosing(socket)
        }
        return Glibc.close(socket)
    }

    static let socket: mx_curl_socket_callback = { _, socket, what, userp, _ in
        guard let userp else { return 0 }
        Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().watch(socket: socket, what: what)
        return 0
    }

    static let timer: mx_curl_timer_callback = { _, milliseconds, userp in
        guard let userp else { return 0 }
        Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().setTimer(milliseconds: milliseconds)
        return 0
    }
}
