import MaximizeCore
import MaximizeCurl
import NIOCore
import NIOHTTP1

/// What the handler holds for the request in progress, from its head to the end of its answer:
/// the I/O side of the exchange (the control state is the ``ExchangeStateMachine``'s).
final class ExchangeContext {
    let head: HTTPRequestHead
    let route: Route
    /// The configuration snapshot taken when the head arrived, used for the whole exchange.
    let configuration: RuntimeConfiguration
    let startedAt = WallClock.monotonicNanoseconds()
    var body: ByteBuffer
    /// The request bytes this exchange holds, counted in the daemon's ``BufferBudget`` until the
    /// exchange goes away.
    let reservation: BufferBudget.Reservation
    /// The body's size as received (the buffer is dropped once the request is validated).
    var bytesIn = 0
    /// Counted in the daemon's request statistics (an exchange that goes upstream).
    var counted = false
    /// The validated body of a Messages or Chat Completions request.
    var request: ValidatedRequest?
    /// What a model catalog request asks for (the catalog's routes take no body).
    var modelQuery: ModelQuery?
    var transformer: any ResponseTransformer = AnthropicPassThrough()
    var credential: Credential?
    var upstream: UpstreamRequest?
    var transfer: (any UpstreamTransferControl)?
    var upstreamStartedAt: UInt64 = 0
    /// ``RateLimitTracker/currentSerial`` when the current attempt went upstream.
    var limitSerial = 0
    /// The current attempt asks for the long-context beta (`context-1m-*`).
    var carriesLongContextBeta = false
    /// The long-context beta was refused and taken out (`limits.drop_unavailable_betas`): once.
    var droppedLongContextBeta = false
    /// An error answer held back while its body shows whether it refuses the long-context beta.
    var heldError: HeldError?
    var upstreamStatus = 0
    var bytesOut = 0
    /// The rest of what its access line reports.
    var access = AccessRecord()

    init(
        head: HTTPRequestHead,
        route: Route,
        configuration: RuntimeConfiguration,
        body: ByteBuffer,
        reservation: BufferBudget.Reservation
    ) {
        self.head = head
        self.route = route
        self.configuration = configuration
        self.body = body
        self.reservation = reservation
    }

    /// `server.max_buffered_bytes` in this exchange's configuration.
    var budgetLimit: Int { configuration.settings.server.maxBufferedBytes }

    /// The OAuth access token the current attempt carries.
    var accessToken: Secret? {
        if case .oauth(let token) = credential { return token.accessToken }
        return nil
    }
}
