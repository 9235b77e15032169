import NIOConcurrencyHelpers

/// A wall clock that moves only when a test moves it, in Unix seconds: handed to code as its
/// `now` function, so tests drive time instead of sleeping.
final class ManualClock: Sendable {
    private let seconds: NIOLockedValueBox<Double>

    init(_ start: Double) {
        seconds = NIOLockedValueBox(start)
    }

    @Sendable func now() -> Double { seconds.withLockedValue { $0 } }

    func advance(by interval: Double) {
        seconds.withLockedValue { $0 += interval }
    }
}
