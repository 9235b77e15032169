import Logging
import MaximizeCore
import NIOConcurrencyHelpers

@testable import MaximizeSidecar

/// Records what a logger logs, for tests that read the daemon's log lines.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    let records = NIOLockedValueBox<[Record]>([])

    /// A logger whose records land here.
    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    /// The metadata of each access line so far.
    var accessLines: [Logger.Metadata] {
        records.withLockedValue { $0.filter { $0.message == "access" }.map(\.metadata) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel = Logger.Level.trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let record = Record(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
            capture.records.withLockedValue { $0.append(record) }
        }
    }
}

extension ExchangeHarness {
    /// Sends the daemon's log (from now on) to a new capture.
    func captureLog() -> LogCapture {
        let capture = LogCapture()
        daemon.replaceConfiguration(RuntimeConfiguration(loaded: daemon.current.loaded, baseLogger: capture.logger))
        return capture
    }
}
