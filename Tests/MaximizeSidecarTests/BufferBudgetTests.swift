import Testing

@testable import MaximizeSidecar

/// The daemon-wide budget for request bytes: reservations, refusals, and bytes given back on
/// every path.
@Suite struct BufferBudgetTests {
    @Test func reservationsAddUpAndAreRefusedPastTheLimit() {
        let budget = BufferBudget()
        let first = budget.makeReservation()
        let second = budget.makeReservation()
        #expect(first.grow(to: 60, limit: 100))
        #expect(second.grow(to: 40, limit: 100))
        #expect(budget.used == 100)
        // Growing again to a size it holds costs nothing.
        #expect(second.grow(to: 40, limit: 100))
        #expect(!second.grow(to: 41, limit: 100))
        #expect(second.bytes == 40)
        #expect(budget.used == 100)
        first.release()
        #expect(budget.used == 40)
        #expect(second.grow(to: 100, limit: 100))
        #expect(budget.used == 100)
    }

    /// One request alone is admitted whatever the limit, so that a body up to
    /// `server.max_body_bytes` can always be served; a second one is not.
    @Test func aRequestAloneIsAlwaysAdmitted() {
        let budget = BufferBudget()
        let alone = budget.makeReservation()
        #expect(alone.grow(to: 50, limit: 10))
        #expect(alone.grow(to: 150, limit: 10))
        let other = budget.makeReservation()
        #expect(!other.grow(to: 1, limit: 10))
        #expect(other.grow(to: 0, limit: 10))
        #expect(budget.used == 150)
    }

    /// Once validated, a request holds what it turned out to hold, whatever the limit.
    @Test func settlingSetsTheExactSize() {
        let budget = BufferBudget()
        let other = budget.makeReservation()
        #expect(other.grow(to: 10, limit: 100))
        let reservation = budget.makeReservation()
        #expect(reservation.grow(to: 80, limit: 100))
        reservation.settle(at: 30)
        #expect(budget.used == 40)
        reservation.settle(at: 95)
        #expect(reservation.bytes == 95)
        #expect(budget.used == 105)
    }

    /// A reservation that goes away (its exchange dropped on any path) gives its bytes back.
    @Test func aReservationGivesItsBytesBackWhenItGoesAway() {
        let budget = BufferBudget()
        do {
            let reservation = budget.makeReservation()
            #expect(reservation.grow(to: 1000, limit: 2000))
            #expect(budget.used == 1000)
        }
        #expect(budget.used == 0)
        let released = budget.makeReservation()
        #expect(released.grow(to: 5, limit: 10))
        released.release()
        released.release()
        #expect(budget.used == 0)
    }

    /// Many threads reserving and releasing at once: the total never passes the limit (no request
    /// is ever alone here) and ends at zero.
    @Test func concurrentReservationsNeverPassTheLimit() async {
        let budget = BufferBudget()
        let holder = budget.makeReservation()
        #expect(holder.grow(to: 1, limit: 1000))
        let overshoot = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var passed = false
                    for round in 0..<2000 {
                        let reservation = budget.makeReservation()
                        if reservation.grow(to: 10 + round % 50, limit: 1000) {
                            passed = passed || budget.used > 1000
                        }
                    }
                    return passed
                }
            }
            return await group.reduce(false) { $0 || $1 }
        }
        #expect(!overshoot)
        holder.release()
        #expect(budget.used == 0)
    }
}
