import Foundation

/// nginx as a plain reverse proxy to the same mock: the yardstick for what a proxy costs on this
/// machine. Kept-alive upstream connections, no buffering, on a Unix socket and a TCP port.
final class NginxProcess {
    let process = Process()
    let root: String
    let socket: String
    let port: Int

    /// Starts nginx when it is installed; `nil` otherwise.
    static func start(upstreamPort: Int) -> NginxProcess? {
        let candidates = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        return try? NginxProcess(binary: binary, upstreamPort: upstreamPort)
    }

    private init(binary: String, upstreamPort: Int) throws {
        root = NSTemporaryDirectory() + "maximize-bench-nginx-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        socket = root + "/nginx.sock"
        port = DaemonProcess.freePort()
        let configuration = """
            worker_processes auto;
            daemon off;
            master_process on;
            pid \(root)/nginx.pid;
            error_log \(root)/logs/error.log warn;
            events { worker_connections 20000; }
            http {
                access_log off;
                keepalive_requests 1000000;
                client_body_temp_path \(root)/body;
                proxy_temp_path \(root)/proxy;
                fastcgi_temp_path \(root)/fastcgi;
                uwsgi_temp_path \(root)/uwsgi;
                scgi_temp_path \(root)/scgi;
                upstream mock { server 127.0.0.1:\(upstreamPort); keepalive 256; keepalive_requests 1000000; }
                server {
                    listen unix:\(socket) backlog=4096;
                    listen 127.0.0.1:\(port) backlog=4096;
                    location / {
                        proxy_pass http://mock;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_buffering off;
                    }
                }
            }
            """
        try configuration.write(toFile: root + "/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", root, "-c", root + "/nginx.conf", "-e", root + "/logs/error.log"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? BlockingConnection(.unix(socket))) != nil, (try? BlockingConnection(.tcp(port))) != nil { return }
            usleep(2000)
        }
        stop()
        throw BenchError("nginx did not start")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
    }
}
