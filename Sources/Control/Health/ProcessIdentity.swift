import Glibc
import MaximizeCore

/// One process as `/proc` names it: its pid, its start time and its pid namespace.
///
/// A pid alone is reused; the pid with its start time (clock ticks after boot) is not, so a probe
/// in the same pid namespace can tell that the process that wrote `status.json` is gone.
public struct ProcessIdentity: Sendable, Equatable {
    public var pid: Int32
    /// Field 22 of `/proc/<pid>/stat`; `nil` when `/proc` cannot be read.
    public var start: UInt64?
    /// `readlink /proc/self/ns/pid`, e.g. `pid:[4026531836]`; `nil` when unknown.
    public var namespace: String?

    public init(pid: Int32, start: UInt64?, namespace: String?) {
        self.pid = pid
        self.start = start
        self.namespace = namespace
    }

    /// This process (read once by the daemon at start).
    public static func current() -> ProcessIdentity {
        let stat = (try? FileSystem.readFile("/proc/self/stat", limit: 4096)) ?? nil
        return ProcessIdentity(pid: getpid(), start: stat.flatMap { parseStat($0)?.start }, namespace: pidNamespace())
    }

    /// The pid namespace of this process, as `/proc/self/ns/pid` links to it.
    public static func pidNamespace() -> String? {
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { readlink("/proc/self/ns/pid", $0.baseAddress!, $0.count) }
        }
        guard count > 0, count < buffer.count else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// What this process (in the daemon's pid namespace) sees of `pid`.
    public enum Sighting: Sendable, Equatable {
        /// No such process, or only its zombie: it has exited.
        case exited
        /// A live process started at this time (a different one if the pid was reused).
        case running(start: UInt64)
        /// It exists but its start time cannot be read (e.g. `/proc` mounted with `hidepid`).
        case unknown
    }

    /// Looks `pid` up: `kill(pid, 0)` says whether it exists (whatever `hidepid` hides), then
    /// `/proc/<pid>/stat` gives its state and start time.
    public static func sighting(of pid: Int32) -> Sighting {
        guard pid > 0 else { return .unknown }
        if kill(pid, 0) != 0, errno == ESRCH { return .exited }
        guard let bytes = (try? FileSystem.readFile("/proc/\(pid)/stat", limit: 4096)) ?? nil,
            let stat = parseStat(bytes)
        else { return .unknown }
        if stat.state == UInt8(ascii: "Z") || stat.state == UInt8(ascii: "X") { return .exited }
        return .running(start: stat.start)
    }

    /// The state (field 3) and start time (field 22) from the text of `/proc/<pid>/stat`.
    ///
    /// Field 2, the command name, is in parentheses and may itself hold spaces and parentheses,
    /// so the fields are counted from the last `)`.
    public static func parseStat(_ bytes: [UInt8]) -> (state: UInt8, start: UInt64)? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(whereSeparator: { $0 == 0x20 || $0 == 0x0A })
        // After the name come fields 3, 4, ...: field 22 is the 20th.
        guard fields.count >= 20, fields[0].count == 1, let start = UInt64(String(decoding: fields[19], as: UTF8.self))
        else { return nil }
        return (fields[0].first!, start)
    }
}
