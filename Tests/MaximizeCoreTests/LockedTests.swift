import Dispatch
import Testing

@testable import MaximizeCore

struct LockedTests {
    @Test func incrementsFromManyThreadsAreNotLost() {
        let counter = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test func errorsPassThroughAndTheLockIsReleased() {
        struct Refused: Error {}
        let value = Locked([1, 2])
        #expect(throws: Refused.self) { try value.withLock { _ throws(Refused) in throw Refused() } }
        #expect(value.withLock { $0.count } == 2)
    }
}
