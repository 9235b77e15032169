import Foundation

/// nginx as an HTTP/2-over-TLS front for a ``MockUpstream``, allowing `maxStreams` streams per
/// connection: a server that refuses excess streams as RFC 9113 says (REFUSED_STREAM), unlike
/// hypercorn, which ends the whole connection. One process (`master_process off`), stopped by PID.
final class NginxFront: @unchecked Sendable {
    let process = Process()
    let port = RawHTTP.freePort()
    let certificate: TestCertificate
    var baseURL: String { "https://127.0.0.1:\(port)" }

    init(upstream: MockUpstream, maxStreams: Int) async throws {
        let directory = SidecarProcess.makeTemporaryDirectory()
        certificate = try TestCertificate(directory: directory)
        let config = """
            daemon off;
            master_process off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(directory);
                proxy_temp_path \(directory);
                server {
                    listen 127.0.0.1:\(port) ssl http2;
                    ssl_certificate \(certificate.certificate);
                    ssl_certificate_key \(certificate.key);
                    http2_max_concurrent_streams \(maxStreams);
                    location / {
                        proxy_pass http://127.0.0.1:\(upstream.port);
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_buffering off;
                    }
                }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            throw SidecarError(message: "nginx is not installed (apt-get install nginx-light)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-c", directory + "/nginx.conf", "-e", directory + "/error.log"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        if try await RawHTTP.waitUntilListening(port: port, process: process, pauseMs: 20) { return }
        stop()
        throw SidecarError(message: "nginx did not start; see \(directory)/error.log")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
