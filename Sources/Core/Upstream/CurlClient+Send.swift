public import MaximizeCore
import NIOConcurrencyHelpers

extension CurlClient {
    /// A whole upstream response.
    public typealias Response = UpstreamResponse

    /// Sends `request` and collects the whole response (at most `limit` bytes of body).
    ///
    /// For small control-plane calls (model list, OAuth); the proxy path streams instead.
    public func send(_ request: UpstreamRequest, limit: Int = 8 << 20) async throws(UpstreamError) -> Response {
        let collector = ResponseCollector(limit: limit)
        let result: Result<Response, UpstreamError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                collector.continuation.withLockedValue { $0 = continuation }
                let transfer = start(request, delegate: collector)
                collector.transfer.withLockedValue { $0 = transfer }
            }
        } onCancel: {
            collector.transfer.withLockedValue { $0 }?.cancel()
        }
        return try result.get()
    }
}

/// Collects a response for ``CurlClient/send(_:limit:)``.
final class ResponseCollector: UpstreamDelegate {
    let limit: Int
    let continuation = NIOLockedValueBox<CheckedContinuation<Result<CurlClient.Response, UpstreamError>, Never>?>(nil)
    let transfer = NIOLockedValueBox<UpstreamTransfer?>(nil)
    private let state = NIOLockedValueBox<(head: UpstreamResponseHead?, body: [UInt8], overflow: Bool)>((nil, [], false))

    init(limit: Int) {
        self.limit = limit
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        state.withLockedValue { $0.head = head }
    }

    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        state.withLockedValue { state in
            if state.body.count + bytes.count > limit {
                state.overflow = true
            } else {
                state.body.append(contentsOf: bytes)
            }
        }
        return true
    }

    func upstreamDidComplete(_ error: UpstreamError?) {
        let snapshot = state.withLockedValue { $0 }
        let result: Result<CurlClient.Response, UpstreamError>
        if let error {
            result = .failure(error)
        } else if snapshot.overflow {
            result = .failure(
                UpstreamError(kind: .transfer, message: "the response is larger than \(limit) bytes", curlCode: 0)
            )
        } else {
            let head = snapshot.head ?? UpstreamResponseHead(status: 0, headers: [])
            result = .success(CurlClient.Response(head: head, body: snapshot.body))
        }
        continuation.withLockedValue { continuation in
            continuation?.resume(returning: result)
            continuation = nil
        }
    }
}
