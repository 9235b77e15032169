import Foundation

/// A task executor with threads of its own, for test code that blocks.
///
/// Integration tests wait in synchronous socket reads, `waitpid` and pipes. Swift's cooperative
/// pool has one thread per core (two on CI): six suites blocking at once left nothing to run the
/// rest of the process (mock waits, unit tests, Swift Testing itself), and a test that needed a
/// second task of its own waited until a 30 s read timeout. Here a blocked job holds one of many
/// threads, and the cooperative pool stays free.
final class TestThreads: TaskExecutor, @unchecked Sendable {
    /// Enough for every test the runner starts at once (six) to block several threads each.
    static let shared = TestThreads(count: 48)

    /// Whether the calling code runs on one of these threads.
    static var isCurrent: Bool { Thread.current.threadDictionary[marker] != nil }
    private static let marker = "maximize.TestThreads"

    /// Guards `jobs`; a pthread mutex and condition, which Thread Sanitizer understands.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(count: Int) {
        for _ in 0..<count {
            Thread { [unowned self] in self.work() }.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() -> Never {
        Thread.current.threadDictionary[Self.marker] = true
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
