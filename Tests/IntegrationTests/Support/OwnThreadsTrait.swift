import Testing

/// Runs a suite's tests with ``TestThreads`` as their preferred executor: the tests and the
/// child tasks they start run there, so blocking calls never take the cooperative pool.
struct OwnThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(TestThreads.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Runs the suite on ``TestThreads``, off Swift's cooperative pool.
    static var ownThreads: Self { Self() }
}
