import Synchronization

/// The daemon-wide budget for request bytes held in memory (`server.max_buffered_bytes`), shared
/// by every connection: one atomic count, no lock.
///
/// Each exchange holds a ``Reservation``: at its head, three times its `content-length` (the body,
/// the shaped copy sent upstream, and libcurl's copy of that), or three times each chunk of a
/// body of unknown length as it arrives; once validated, exactly what the request keeps until its
/// answer ends. Admission is decided by that estimate, before the body is read.
/// A reservation gives its bytes back when released or when it goes away with its exchange, so no
/// path (an answer, a refusal, a client that leaves, a connection torn down) can keep them.
final class BufferBudget: Sendable {
    private let held = Atomic<Int>(0)

    init() {}

    /// The bytes reserved now, by every connection.
    var used: Int { held.load(ordering: .relaxed) }

    /// Adds `count` bytes for a reservation that holds `holding` already, unless the total would
    /// pass `limit` while other reservations hold bytes too: a request alone is always admitted, so
    /// that one body up to `server.max_body_bytes` can be served whatever the budget.
    func reserve(_ count: Int, holding: Int, limit: Int) -> Bool {
        var current = held.load(ordering: .relaxed)
        while true {
            if current + count > limit, current != holding { return false }
            let (exchanged, original) = held.compareExchange(
                expected: current,
                desired: current + count,
                ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
    }

    /// Adds `count` bytes whatever the limit.
    func add(_ count: Int) {
        held.add(count, ordering: .relaxed)
    }

    func release(_ count: Int) {
        guard count > 0 else { return }
        held.subtract(count, ordering: .relaxed)
    }

    func makeReservation() -> Reservation {
        Reservation(budget: self)
    }
}

extension BufferBudget {
    /// The bytes one exchange holds, on its connection's event loop.
    final class Reservation {
        let budget: BufferBudget
        private(set) var bytes = 0

        init(budget: BufferBudget) {
            self.budget = budget
        }

        /// Grows to at least `total` bytes; `false`, and nothing changed, when the budget refuses.
        func grow(to total: Int, limit: Int) -> Bool {
            guard total > bytes else { return true }
            guard budget.reserve(total - bytes, holding: bytes, limit: limit) else { return false }
            bytes = total
            return true
        }

        /// Becomes exactly `total` bytes, whatever the limit: the request was admitted by its
        /// estimate, and this is what it turned out to hold.
        func settle(at total: Int) {
            if total > bytes {
                budget.add(total - bytes)
            } else {
                budget.release(bytes - total)
            }
            bytes = total
        }

        func release() {
            budget.release(bytes)
            bytes = 0
        }

        deinit {
            budget.release(bytes)
        }
    }
}
