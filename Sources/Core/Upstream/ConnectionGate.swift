import MaximizeCore

/// Holds back transfers that would make libcurl open needless connections to an origin that may
/// multiplex (HTTP/2 over TLS), so that a burst shares a few connections instead of opening one
/// each.
///
/// libcurl 7.88 opens a connection for most transfers started in a burst before the first
/// connection to an origin has said whether it multiplexes (`CURLOPT_PIPEWAIT` does not hold them
/// back), and again for every transfer past a full connection's stream limit. The gate lets one
/// transfer (the *opener*) establish a connection while the rest wait in order, then admits as
/// many as the established connections can carry, then one opener for the next connection. An
/// origin that answers over HTTP/1 is not gated again. A server that allows fewer streams per
/// connection shows itself when libcurl opens a connection on its own although the gate counted
/// room; the gate then counts what the connections carried, until a connection closes. Pure
/// bookkeeping: the ``CurlClient`` starts what each call returns.
struct ConnectionGate<Waiter> {
    /// A transfer the caller should start now; an opener may open a new connection.
    struct Release {
        var waiter: Waiter
        var opener: Bool
    }

    private struct Origin {
        /// Streams one connection is taken to carry.
        var perConnection: Int
        /// The origin answered over HTTP/1: every transfer needs its own connection anyway.
        var serial = false
        /// Established connections that carry streams.
        var connections = 0
        /// Transfers started and not finished.
        var inFlight = 0
        /// Those of `inFlight` that reached their connection.
        var reached = 0
        /// Openers that have not reached their connection yet.
        var opening = 0
        /// Release everything waiting: the last opener failed to connect.
        var failing = false
        var waiting: [Waiter] = []
        var head = 0

        /// Starts waiting transfers while there is room, or one opener when there is none.
        mutating func drain() -> [Release] {
            var released: [Release] = []
            while head < waiting.count {
                let opener: Bool
                if serial || failing || inFlight < connections * perConnection {
                    opener = false
                } else if opening == 0 {
                    opener = true
                    opening += 1
                } else {
                    break
                }
                inFlight += 1
                released.append(Release(waiter: waiting[head], opener: opener))
                head += 1
            }
            if head == waiting.count {
                failing = false
                waiting.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > waiting.count {
                waiting.removeFirst(head)
                head = 0
            }
            return released
        }
    }

    /// Streams one connection is taken to carry until a server shows it allows fewer (libcurl's
    /// own default limit per connection).
    let streamsPerConnection: Int
    private var origins: [String: Origin] = [:]

    init(streamsPerConnection: Int = 100) {
        self.streamsPerConnection = streamsPerConnection
    }

    /// Transfers of `origin` waiting for a connection.
    func waiting(_ origin: String) -> Int {
        origins[origin].map { $0.waiting.count - $0.head } ?? 0
    }

    /// Established connections to `origin`, as far as the gate knows.
    func connections(_ origin: String) -> Int {
        origins[origin]?.connections ?? 0
    }

    /// Streams per connection the gate counts on for `origin`.
    func streamsPerConnection(_ origin: String) -> Int {
        origins[origin]?.perConnection ?? streamsPerConnection
    }

    /// Queues `waiter` behind any already waiting, and returns what may start now (possibly it).
    mutating func admit(_ waiter: Waiter, origin: String) -> [Release] {
        update(origin) { state in
            state.waiting.append(waiter)
            return state.drain()
        }
    }

    /// A started transfer reached a connection (libcurl's pre-request point, again after a retry);
    /// `newConnection` when the transfer opened it, `firstTime` unless it is a retry.
    mutating func reachedConnection(
        origin: String,
        opener: Bool,
        newConnection: Bool,
        firstTime: Bool = true
    )
        -> [Release]
    {
        update(origin) { state in
            if firstTime {
                if opener { state.opening = max(0, state.opening - 1) }
                state.reached += 1
            }
            if newConnection {
                if !opener, state.connections > 0, !state.serial {
                    // libcurl found no room on the connections the gate counted: the server
                    // allows fewer streams on each than assumed.
                    let carried = max(1, (state.reached - 1) / state.connections)
                    state.perConnection = min(state.perConnection, carried)
                }
                state.connections += 1
            } else if opener {
                // libcurl found room on a connection the gate had not counted.
                state.connections = max(state.connections, 1)
            }
            state.failing = false
            return state.drain()
        }
    }

    /// A response head showed the protocol: HTTP/1 ends the gating of `origin`.
    mutating func learnedProtocol(origin: String, multiplexed: Bool) -> [Release] {
        guard !multiplexed else { return [] }
        return update(origin) { state in
            state.serial = true
            return state.drain()
        }
    }

    /// A started transfer ended. An opener that `failed` before reaching a connection releases
    /// everything waiting (each then tries for itself, as libcurl would); a cancelled one passes
    /// the turn to the next.
    mutating func finished(origin: String, opener: Bool, reachedConnection: Bool, failed: Bool) -> [Release] {
        update(origin) { state in
            state.inFlight = max(0, state.inFlight - 1)
            if reachedConnection {
                state.reached = max(0, state.reached - 1)
            } else if opener {
                state.opening = max(0, state.opening - 1)
                if failed { state.failing = true }
            }
            return state.drain()
        }
    }

    /// An established connection to `origin` closed; what was learned of the server's stream
    /// limit is forgotten (a connection that was closing may have been what libcurl avoided).
    mutating func connectionClosed(origin: String) -> [Release] {
        let perConnection = streamsPerConnection
        return update(origin) { state in
            state.connections = max(0, state.connections - 1)
            state.perConnection = perConnection
            return state.drain()
        }
    }

    /// Takes a waiting transfer out (cancelled before it started); nil when it is not waiting.
    mutating func withdraw(origin: String, where matches: (Waiter) -> Bool) -> Waiter? {
        update(origin) { state in
            guard let index = state.waiting[state.head...].firstIndex(where: matches) else { return nil }
            return state.waiting.remove(at: index)
        }
    }

    /// Every waiting transfer, emptying the queues (at shutdown).
    mutating func withdrawAll() -> [Waiter] {
        var all: [Waiter] = []
        for origin in origins.keys {
            update(origin) { state in
                all += state.waiting[state.head...]
                state.waiting.removeAll()
                state.head = 0
            }
        }
        return all
    }

    /// Mutates `origin`'s state in place (no copy of its queue).
    private mutating func update<Result>(_ origin: String, _ body: (inout Origin) -> Result) -> Result {
        let perConnection = streamsPerConnection
        return body(&origins[origin, default: Origin(perConnection: perConnection)])
    }
}
