import MaximizeCore
import NIOConcurrencyHelpers
import NIOCore

/// Proves that the threads that serve still turn: each NIO event loop, and the libcurl thread.
///
/// Every ``tick(now:)`` (the status heartbeat's period) schedules a tiny task on each event loop
/// that has none outstanding, and samples the libcurl thread's loop counter, which advances at
/// least once a second while that thread runs. A loop whose task has waited longer than
/// ``stallAfter``, or a counter that has not moved for as long, is stalled: the heartbeat in
/// `status.json` then stops advancing (see ``StatusPublisher``), so `maxctl health --live` fails
/// once it is older than `--max-age`, and a warning names what is stuck.
///
/// Time is passed in (`now`), never read here, so the verdict can be tested with injected time.
final class LivenessMonitor: Sendable {
    /// What is stuck and since when.
    struct Stall: Sendable, Equatable {
        /// `event loop 2`, `the libcurl thread`.
        var name: String
        /// The last moment it was known to turn (the time of the tick whose probe never ran).
        var since: Double
    }

    /// The verdict at one moment.
    struct Verdict: Sendable, Equatable {
        var stalls: [Stall]
        var isLive: Bool { stalls.isEmpty }
        /// The oldest moment up to which every thread is known to have turned; `nil` when live.
        var lastProof: Double? { stalls.map(\.since).min() }

        /// One line per stall, for the log and `status.json`.
        func messages(now: Double) -> [String] {
            stalls.map { "\($0.name) has not turned for \(Int(max(0, now - $0.since))) s; the daemon is wedged: restart it" }
        }
    }

    /// Longer than this without turning is a stall (a loop's task waits at most a tick, ~2 s,
    /// when all is well; libcurl's thread wakes every second).
    let stallAfter: Double
    private let loops: [any EventLoop]
    private let curlTurns: (@Sendable () -> UInt64)?
    private let state: NIOLockedValueBox<State>

    struct State {
        /// Per loop: when its outstanding probe was scheduled (`nil`: none outstanding).
        var pending: [Double?]
        var curlCount: UInt64 = 0
        var curlMovedAt: Double
    }

    /// `curlTurns` reads the libcurl thread's loop counter (``CurlClient/loopTurns``); `nil`
    /// when there is no such thread to watch.
    init(loops: [any EventLoop], curlTurns: (@Sendable () -> UInt64)?, stallAfter: Double = 5, now: Double) {
        self.loops = loops
        self.curlTurns = curlTurns
        self.stallAfter = stallAfter
        self.state = NIOLockedValueBox(
            State(pending: Array(repeating: nil, count: loops.count), curlCount: curlTurns?() ?? 0, curlMovedAt: now)
        )
    }

    /// Schedules a probe on every loop without one outstanding and samples the libcurl counter.
    func tick(now: Double) {
        let toProbe = state.withLockedValue { state -> [Int] in
            if let curlTurns {
                let count = curlTurns()
                if count != state.curlCount {
                    state.curlCount = count
                    state.curlMovedAt = now
                }
            }
            var indices: [Int] = []
            for index in state.pending.indices where state.pending[index] == nil {
                state.pending[index] = now
                indices.append(index)
            }
            return indices
        }
        for index in toProbe {
            // A loop that is shut down runs nothing more: it stays pending, as it should.
            loops[index].execute { [state] in
                state.withLockedValue { $0.pending[index] = nil }
            }
        }
    }

    /// What is stalled at `now`.
    func verdict(now: Double) -> Verdict {
        state.withLockedValue { state in
            var stalls: [Stall] = []
            for (index, scheduled) in state.pending.enumerated() {
                if let scheduled, now - scheduled > stallAfter {
                    stalls.append(Stall(name: "event loop \(index)", since: scheduled))
                }
            }
            if curlTurns != nil, now - state.curlMovedAt > stallAfter {
                stalls.append(Stall(name: "the libcurl thread", since: state.curlMovedAt))
            }
            return Verdict(stalls: stalls)
        }
    }
}
