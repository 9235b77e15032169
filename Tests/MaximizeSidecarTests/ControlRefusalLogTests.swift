import Logging
import NIOConcurrencyHelpers
import Testing

@testable import MaximizeSidecar

/// The control worker's rate-limited warning about files that are not requests, with time driven
/// by a manual clock.
struct ControlRefusalLogTests {
    /// Keeps the messages logged through it.
    struct CapturingHandler: LogHandler {
        let messages: NIOLockedValueBox<[String]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            messages.withLockedValue { $0.append(event.message.description) }
        }
    }

    @Test func refusalsAreLoggedAtMostOncePerInterval() {
        let messages = NIOLockedValueBox<[String]>([])
        let logger = Logger(label: "test") { _ in CapturingHandler(messages: messages) }
        let clock = ManualClock(5_000)
        var state = ControlHandler.WorkerState()
        state.refused = 2
        state.refusedExample = "junk"
        state.reportRefusals(logger: logger, now: clock.now())
        #expect(messages.withLockedValue { $0.count } == 1)
        #expect(messages.withLockedValue { $0.first?.contains("removed 2 file(s)") } == true)

        state.refused = 1
        clock.advance(by: ControlHandler.WorkerState.refusalLogInterval - 0.5)
        state.reportRefusals(logger: logger, now: clock.now())
        #expect(messages.withLockedValue { $0.count } == 1, "logged again within the interval")
        clock.advance(by: 0.5)
        state.reportRefusals(logger: logger, now: clock.now())
        #expect(messages.withLockedValue { $0.count } == 2)
        #expect(state.refused == 0)

        clock.advance(by: 3600)
        state.reportRefusals(logger: logger, now: clock.now())
        #expect(messages.withLockedValue { $0.count } == 2, "nothing refused, nothing logged")
    }
}
