import Foundation
import Testing

/// The suites' `.ownThreads` trait really moves test code off the cooperative pool, child tasks
/// and resumptions after a sleep included (see ``TestThreads``).
@Suite(.ownThreads) struct TestThreadsTests {
    static var onTestThread: Bool { TestThreads.isCurrent }

    @Test func testCodeAndItsChildTasksRunOnTestThreads() async throws {
        #expect(Self.onTestThread)
        try await Task.sleep(for: .milliseconds(10))
        #expect(Self.onTestThread)
        async let child = Self.onTestThread
        #expect(await child)
        let group = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { Self.onTestThread } }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(group)
    }
}
