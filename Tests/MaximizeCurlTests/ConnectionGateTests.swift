import MaximizeCore
import Testing

@testable import MaximizeCurl

struct ConnectionGateTests {
    typealias Gate = ConnectionGate<Int>
    let origin = "https://api.example.com"

    /// Admits `range` in order; returns what started and which were openers.
    func admit(_ gate: inout Gate, _ range: Range<Int>) -> [Gate.Release] {
        range.flatMap { gate.admit($0, origin: origin) }
    }

    @Test func oneOpenerGoesFirstThenTheConnectionsCapacity() {
        var gate = Gate(streamsPerConnection: 10)
        let first = admit(&gate, 0..<25)
        #expect(first.map(\.waiter) == [0])
        #expect(first.map(\.opener) == [true])
        #expect(gate.waiting(origin) == 24)
        // The opener's connection is up: nine more fit beside it, then one opener for the next.
        let next = gate.reachedConnection(origin: origin, opener: true, newConnection: true)
        #expect(next.map(\.waiter) == Array(1...10))
        #expect(next.map(\.opener) == Array(repeating: false, count: 9) + [true])
        #expect(gate.waiting(origin) == 14)
        // Transfers that reuse a connection do not change the count.
        #expect(gate.reachedConnection(origin: origin, opener: false, newConnection: false).isEmpty)
        let third = gate.reachedConnection(origin: origin, opener: true, newConnection: true)
        #expect(third.map(\.waiter) == Array(11...20))
        #expect(third.last?.opener == true)
        #expect(gate.connections(origin) == 2)
        // 21 in flight for a room of 20 while the third connection opens: a finished stream
        // leaves 20, still no room; a second one makes room for one more.
        #expect(gate.finished(origin: origin, opener: false, reachedConnection: true, failed: false).isEmpty)
        let room = gate.finished(origin: origin, opener: false, reachedConnection: true, failed: false)
        #expect(room.map(\.waiter) == [21])
        #expect(room.first?.opener == false)
    }

    @Test func anHTTP1AnswerReleasesEverything() {
        var gate = Gate(streamsPerConnection: 100)
        _ = admit(&gate, 0..<50)
        #expect(gate.waiting(origin) == 49)
        #expect(gate.learnedProtocol(origin: origin, multiplexed: true).isEmpty)
        let released = gate.learnedProtocol(origin: origin, multiplexed: false)
        #expect(released.map(\.waiter) == Array(1..<50))
        #expect(released.allSatisfy { !$0.opener })
        // From then on nothing waits.
        #expect(gate.admit(50, origin: origin).map(\.waiter) == [50])
    }

    @Test func aFailedOpenerReleasesTheWaitingAndACancelledOnePassesTheTurn() {
        var gate = Gate(streamsPerConnection: 100)
        _ = admit(&gate, 0..<5)
        // Cancelled while connecting: the next becomes the opener.
        let next = gate.finished(origin: origin, opener: true, reachedConnection: false, failed: false)
        #expect(next.map(\.waiter) == [1])
        #expect(next.first?.opener == true)
        // Failed to connect: everyone still waiting tries for itself.
        let rest = gate.finished(origin: origin, opener: true, reachedConnection: false, failed: true)
        #expect(rest.map(\.waiter) == [2, 3, 4])
        // Later arrivals are gated again, behind a new opener.
        let later = admit(&gate, 10..<12)
        #expect(later.count == 1)
        #expect(later.first?.opener == true)
    }

    @Test func aClosedConnectionShrinksTheRoom() {
        var gate = Gate(streamsPerConnection: 2)
        _ = admit(&gate, 0..<1)
        _ = gate.reachedConnection(origin: origin, opener: true, newConnection: true)
        #expect(gate.connections(origin) == 1)
        #expect(gate.connectionClosed(origin: origin).isEmpty)
        #expect(gate.connections(origin) == 0)
        // With no connection left, the next transfer opens one while the others wait.
        _ = gate.finished(origin: origin, opener: false, reachedConnection: true, failed: false)
        let released = admit(&gate, 1..<4)
        #expect(released.map(\.waiter) == [1])
        #expect(released.first?.opener == true)
        #expect(gate.waiting(origin) == 2)
    }

    @Test func aServerThatAllowsFewerStreamsIsLearnedUntilAConnectionCloses() {
        var gate = Gate(streamsPerConnection: 100)
        _ = admit(&gate, 0..<1)
        #expect(gate.reachedConnection(origin: origin, opener: true, newConnection: true).isEmpty)
        // 40 more go; the connection takes 10 of them, then libcurl opens one of its own.
        let released = admit(&gate, 1..<41)
        #expect(released.count == 40)
        for _ in 1..<10 { _ = gate.reachedConnection(origin: origin, opener: false, newConnection: false) }
        _ = gate.reachedConnection(origin: origin, opener: false, newConnection: true)
        #expect(gate.streamsPerConnection(origin) == 10)
        #expect(gate.connections(origin) == 2)
        // 41 in flight on two connections of 10: the next waits for an opener.
        let next = admit(&gate, 41..<43)
        #expect(next.map(\.waiter) == [41])
        #expect(next.first?.opener == true)
        // A retry that reuses a connection changes nothing; one that opens a connection counts it.
        _ = gate.reachedConnection(origin: origin, opener: false, newConnection: false, firstTime: false)
        #expect(gate.connections(origin) == 2)
        _ = gate.reachedConnection(origin: origin, opener: false, newConnection: true, firstTime: false)
        #expect(gate.connections(origin) == 3)
        // A closed connection forgets the lesson.
        _ = gate.connectionClosed(origin: origin)
        #expect(gate.streamsPerConnection(origin) == 100)
    }

    @Test func withdrawingTakesOnlyAWaitingTransfer() {
        var gate = Gate(streamsPerConnection: 100)
        _ = admit(&gate, 0..<4)
        #expect(gate.withdraw(origin: origin) { $0 == 0 } == nil)  // started, not waiting
        #expect(gate.withdraw(origin: origin) { $0 == 2 } == 2)
        #expect(gate.waiting(origin) == 2)
        let released = gate.reachedConnection(origin: origin, opener: true, newConnection: true)
        #expect(released.map(\.waiter) == [1, 3])
        #expect(gate.withdrawAll().isEmpty)
    }

    @Test func originsAreGatedSeparately() {
        var gate = Gate(streamsPerConnection: 100)
        #expect(gate.admit(0, origin: "https://a").count == 1)
        #expect(gate.admit(1, origin: "https://b").count == 1)
        #expect(gate.admit(2, origin: "https://a").isEmpty)
        #expect(gate.withdrawAll() == [2])
    }

    @Test func onlyMultiplexableOriginsAreGated() {
        func request(_ url: String, _ version: HTTPVersionPreference = .auto) -> UpstreamRequest {
            UpstreamRequest(method: "POST", url: url, headers: [], body: nil, timeout: 10, httpVersion: version)
        }
        #expect(CurlLoop.gatedOrigin(request("https://api.anthropic.com/v1/messages")) == "https://api.anthropic.com")
        #expect(CurlLoop.gatedOrigin(request("https://127.0.0.1:8443/v1/messages?beta=true")) == "https://127.0.0.1:8443")
        #expect(CurlLoop.gatedOrigin(request("https://host")) == "https://host")
        #expect(CurlLoop.gatedOrigin(request("http://127.0.0.1:8080/v1/messages")) == nil)
        #expect(CurlLoop.gatedOrigin(request("https://api.anthropic.com/v1/messages", .http1)) == nil)
    }
}
