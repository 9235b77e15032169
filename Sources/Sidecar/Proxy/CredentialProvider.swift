import MaximizeCore
import NIOCore

/// Where the handler gets the credential for an exchange: the daemon's store and refresher
/// (``StoreCredentialProvider``), a fake in tests.
protocol CredentialProvider: Sendable {
    /// The kind of credential held now, to shape a request before asking for the credential.
    var expectedKind: CredentialKind { get }

    /// Calls `done` on `eventLoop` with a usable credential, or the client's error. `refused`:
    /// the upstream refused this access token, so a new one is needed (one forced refresh).
    func obtain(
        refused: Secret?,
        on eventLoop: any EventLoop,
        _ done: @escaping (Result<Credential, ExchangeError>) -> Void
    )
}

/// The daemon's credentials: at once when the one held is valid; after a (shared) refresh when
/// it expired; after one more look at the token file when none is usable (a login may have
/// just written it). Files are read and refreshes awaited off the event loop.
struct StoreCredentialProvider: CredentialProvider {
    let store: CredentialStore
    let refresher: RefreshCoordinator

    var expectedKind: CredentialKind { store.snapshot.credential?.kind ?? .none }

    func obtain(
        refused: Secret?,
        on eventLoop: any EventLoop,
        _ done: @escaping (Result<Credential, ExchangeError>) -> Void
    ) {
        obtain(refused: refused, recheck: true, on: eventLoop, done)
    }

    private func obtain(
        refused: Secret?,
        recheck: Bool,
        on eventLoop: any EventLoop,
        _ done: @escaping (Result<Credential, ExchangeError>) -> Void
    ) {
        switch store.availability(now: WallClock.now()) {
        case .ready(let credential) where refused == nil:
            done(.success(credential))
        case .unavailable where refused == nil && recheck:
            let bound = NIOLoopBound(done, eventLoop: eventLoop)
            Task { [self] in
                store.reloadIfChanged(now: WallClock.now())
                eventLoop.execute { obtain(refused: nil, recheck: false, on: eventLoop, bound.value) }
            }
        case .unavailable(let reason) where refused == nil:
            done(.failure(.api(APIError(reason))))
        default:
            let bound = NIOLoopBound(done, eventLoop: eventLoop)
            Task { [refresher] in
                let result = await refresher.refresh(failed: refused)
                eventLoop.execute {
                    bound.value(result.mapError { .api($0.apiError) })
                }
            }
        }
    }
}
