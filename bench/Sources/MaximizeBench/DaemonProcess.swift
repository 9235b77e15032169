import Foundation

/// A `maximize` process started by the benchmark.
final class DaemonProcess {
    let process = Process()
    let root: String
    let socket: String
    let port: Int
    /// Seconds from spawn to: socket accepting and status.json `ready`.
    private(set) var startToReady: Double = .nan

    /// - Parameter environment: more variables (the postgres store's, say).
    init(
        binary: String,
        upstream: String,
        httpVersion: String = "auto",
        caFile: String? = nil,
        environment: [String: String] = [:]
    ) throws {
        root = NSTemporaryDirectory() + "maximize-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        try #"{"api_key":"sk-ant-bench-key"}"#.write(toFile: root + "/state/tokens.json", atomically: true, encoding: .utf8)
        try #"{"server":{"drain_grace_seconds":0,"log_level":"warning"}}"#.write(toFile: root + "/state/config.json", atomically: true, encoding: .utf8)
        socket = root + "/run/maximize.sock"
        port = Self.freePort()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--state-dir", root + "/state", "--run-dir", root + "/run"]
        process.environment = [
            "HOME": root, "MAXIMIZE_API_BASE_URL": upstream, "PORT": String(port), "MAXIMIZE_HTTP_VERSION": httpVersion,
        ]
        if let caFile { process.environment?["MAXIMIZE_CA_FILE"] = caFile }
        process.environment?.merge(environment) { $1 }
        _ = FileManager.default.createFile(atPath: root + "/maximize.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: root + "/maximize.log")
        process.standardOutput = FileHandle(forWritingAtPath: root + "/maximize.log")
        let spawned = monotonicNanoseconds()
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? BlockingConnection(.unix(socket))) != nil,
                let status = try? String(contentsOfFile: root + "/run/status.json", encoding: .utf8),
                status.contains(#""state":"ready""#) || status.contains(#""state":"degraded""#)
            {
                startToReady = Double(monotonicNanoseconds() - spawned) / 1e9
                return
            }
            usleep(200)
        }
        let log = (try? String(contentsOfFile: root + "/maximize.log", encoding: .utf8)) ?? ""
        kill(process.processIdentifier, SIGKILL)
        throw BenchError("maximize did not become ready: \(log.suffix(2000))")
    }

    var pid: Int32 { process.processIdentifier }

    /// A TCP port nothing listens on now (bind to 0, read it back, release it).
    static func freePort() -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Resident memory split: anonymous (the daemon's own) and file-backed (binary and libraries,
    /// clean and shared), in kB, and the proportional set size from smaps_rollup.
    func residentSplit() -> (anonymous: Int, file: Int, proportional: Int) {
        let status = procFile("status")
        return (Self.field(status, "RssAnon"), Self.field(status, "RssFile"), Self.field(procFile("smaps_rollup"), "Pss"))
    }

    /// VmRSS, VmHWM (peak) in kB, and the thread count, from /proc.
    func memory() -> (rss: Int, peak: Int, threads: Int) {
        let status = procFile("status")
        return (Self.field(status, "VmRSS"), Self.field(status, "VmHWM"), Self.field(status, "Threads"))
    }

    private func procFile(_ name: String) -> String {
        (try? String(contentsOfFile: "/proc/\(pid)/\(name)", encoding: .utf8)) ?? ""
    }

    /// The number on the `name:` line of a /proc status-style file.
    private static func field(_ text: String, _ name: String) -> Int {
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
        return Int(line.filter(\.isNumber)) ?? 0
    }

    /// The daemon's connected TCP sockets (its upstream connections when clients use the Unix
    /// socket): its socket descriptors matched against the namespace's TCP table, listeners excluded.
    func tcpSocketCount() -> Int {
        let directory = "/proc/\(pid)/fd"
        let inodes = Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { name -> Substring? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + name),
                target.hasPrefix("socket:[")
            else { return nil }
            return target.dropFirst(8).dropLast()
        })
        var count = 0
        for table in ["tcp", "tcp6"] {
            // Read to the end: Foundation's String(contentsOfFile:) stops after the first page of a /proc file.
            let data = FileHandle(forReadingAtPath: "/proc/\(pid)/net/\(table)")?.readDataToEndOfFile() ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: " ")
                if columns.count > 9, columns[3] != "0A", inodes.contains(columns[9]) { count += 1 }
            }
        }
        return count
    }

    /// The daemon's warnings and errors (its log level is `warning` here).
    var log: String { (try? String(contentsOfFile: root + "/maximize.log", encoding: .utf8)) ?? "" }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }
}
