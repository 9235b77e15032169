import Glibc
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization

/// Where the daemon's log lines go, and in which format (`server.log_format`): one shared switch,
/// set before `config.json` is read (from `--log-format` / `MAXIMIZE_LOG_FORMAT`), after it is,
/// and at every reload that applies, so a change of format takes effect at once.
///
/// A line is written with one `write(2)` under a lock, so lines from concurrent threads never
/// interleave.
final class LogOutput: Sendable {
    /// The daemon's: lines on stderr.
    static let standardError = LogOutput { line in LogOutput.writeAll(line, to: 2) }

    private let json = Atomic<Bool>(false)
    /// A pthread mutex (NIOLock), so Thread Sanitizer sees the ordering.
    private let lock = NIOLock()
    private let sink: @Sendable ([UInt8]) -> Void

    /// `sink` receives each line, newline included, one call per line.
    init(sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.sink = sink
    }

    var format: LogFormat {
        get { json.load(ordering: .relaxed) ? .json : .text }
        set { json.store(newValue == .json, ordering: .relaxed) }
    }

    func write(_ line: [UInt8]) {
        lock.withLock { sink(line) }
    }

    /// Writes all of `bytes` to `descriptor` (one call unless the kernel takes less), retrying
    /// on `EINTR`; a descriptor that refuses drops the line: logging never stops the daemon.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
