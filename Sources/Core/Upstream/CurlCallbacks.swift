import MaximizeCore
import CCurl
import CCurlShim

import Glibc

/// libcurl's callbacks. They run on the client's thread, inside `curl_multi_perform` or
/// `curl_easy_pause`, with the transfer as user data.
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

    static let header: mx_curl_data_callback = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        let line = UnsafeRawBufferPointer(start: data, count: length)
        if line.starts(with: "HTTP/".utf8) {
            transfer.client.transferShowedProtocol(transfer, statusLine: line)
            // A new response (after a 1xx or a redirect): start over.
            transfer.responseHeaders.removeAll()
            return length
        }
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        if end == 0 {
            // The blank line ends a header block; deliver it unless it was an interim 1xx.
            guard let easy = transfer.easy else { return length }
            var status = 0
            mx_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            if status >= 200 || status == 0 { transfer.deliverHead() }
            return length
        }
        guard let colon = line[0..<end].firstIndex(of: UInt8(ascii: ":")) else { return length }
        let name = String(unsafeUninitializedCapacity: colon) { name in
            for index in 0..<colon {
                let byte = line[index]
                name[index] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            return colon
        }
        var start = colon + 1
        while start < end, line[start] == 0x20 || line[start] == 0x09 { start += 1 }
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        transfer.responseHeaders.append((name, value))
        return length
    }

    /// The pre-request point: the transfer has a connection and its request is about to go.
    static let prerequest: mx_curl_prereq_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.client.transferReachedConnection(transfer)
        return 0  // CURL_PREREQFUNC_OK
    }

    /// Opens a socket as libcurl would, noting it for the gate's connection count.
    static let openSocket: mx_curl_opensocket_callback = { userdata, _, address in
        guard let userdata, let address else { return -1 }
        let type = address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue)
        let socket = Glibc.socket(address.pointee.family, type, address.pointee.protocol)
        guard socket >= 0 else { return -1 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.client.socketOpened(socket, for: transfer)
        return socket
    }

    static let closeSocket: mx_curl_closesocket_callback = { userdata, socket in
        if let userdata {
            Unmanaged<CurlClient>.fromOpaque(userdata).takeUnretainedValue().socketClosing(socket)
        }
        return Glibc.close(socket)
    }

    static let socket: mx_curl_socket_callback = { _, socket, what, userp, _ in
        guard let userp else { return 0 }
        Unmanaged<CurlClient>.fromOpaque(userp).takeUnretainedValue().watch(socket: socket, what: what)
        return 0
    }

    static let timer: mx_curl_timer_callback = { _, milliseconds, userp in
        guard let userp else { return 0 }
        Unmanaged<CurlClient>.fromOpaque(userp).takeUnretainedValue().setTimer(milliseconds: milliseconds)
        return 0
    }
}
