/// How many upstream connections libcurl may keep open (`CURLMOPT_MAXCONNECTS`): the most
/// transfers seen in progress at once over the last one to two minutes, within a floor and a
/// ceiling.
///
/// libcurl's own default (four per transfer in progress *at the moment a connection is
/// returned*) follows every dip in load: at 64 concurrent requests over HTTP/1.1, a moment with
/// few transfers on the multi handle closed idle connections that the next moment had to open
/// again (2,159 new connections in 28,042 requests, against nginx's 71). A steady load here opens
/// none after warm-up. Idle connections are closed by age instead (``CurlLoop/idleConnectionAge``).
/// Pure bookkeeping: the ``CurlLoop`` sets what ``observe(inFlight:now:)`` returns.
struct ConnectionPoolSizer {
    let floor: Int
    let ceiling: Int
    /// Nanoseconds a peak is remembered for (at least one window, at most two).
    let window: UInt64
    private(set) var limit: Int
    private var peakThisWindow = 0
    private var peakLastWindow = 0
    private var windowStart: UInt64

    init(floor: Int = 16, ceiling: Int = 1024, window: UInt64 = 60_000_000_000, now: UInt64) {
        self.floor = floor
        self.ceiling = ceiling
        self.window = window
        limit = floor
        windowStart = now
    }

    /// Notes `inFlight` transfers in progress; the new limit when it changed, else nil.
    mutating func observe(inFlight: Int, now: UInt64) -> Int? {
        if now &- windowStart >= window {
            // A window with no transfer started at all forgets both peaks.
            peakLastWindow = now &- windowStart >= 2 * window ? 0 : peakThisWindow
            peakThisWindow = 0
            windowStart = now
        }
        peakThisWindow = max(peakThisWindow, inFlight)
        let wanted = min(ceiling, max(floor, peakThisWindow, peakLastWindow))
        guard wanted != limit else { return nil }
        limit = wanted
        return wanted
    }
}
