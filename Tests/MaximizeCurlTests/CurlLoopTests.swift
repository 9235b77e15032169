import MaximizeCore
import NIOConcurrencyHelpers
import Testing

@testable import MaximizeCurl

/// The libcurl thread's loop run on the test's own thread over one batch of commands, so that the
/// commands meet in a single wake-up however the machine schedules threads.
struct CurlLoopTests {
    final class Recorder: UpstreamDelegate {
        let completions = NIOLockedValueBox<[String]>([])
        let onComplete: @Sendable () -> Void

        init(onComplete: @escaping @Sendable () -> Void = {}) {
            self.onComplete = onComplete
        }

        func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {}
        func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool { true }
        func upstreamDidComplete(_ error: UpstreamError?) {
            completions.withLockedValue { $0.append(error?.message ?? "ok") }
            onComplete()
        }
    }

    /// Nothing listens on port 1: a transfer that started would fail to connect, not hang.
    func request(_ url: String) -> UpstreamRequest {
        UpstreamRequest(method: "GET", url: url, headers: [], timeout: 10)
    }

    /// Gated (HTTPS, may multiplex): the first is released to open the connection, the others wait.
    /// Cleartext: each starts at once.
    @Test(arguments: ["https://127.0.0.1:1/v1/messages", "http://127.0.0.1:1/v1/messages"])
    func aShutdownInTheSameBatchEndsEveryTransferOnce(url: String) {
        let mailbox = CurlMailbox()
        let recorders = (0..<3).map { _ in Recorder() }
        for recorder in recorders {
            mailbox.post(.add(id: mailbox.nextID(), request: request(url), delegate: recorder))
        }
        mailbox.post(.shutdown)
        CurlLoop(mailbox: mailbox).run()
        for recorder in recorders {
            #expect(recorder.completions.withLockedValue { $0 } == ["shutting down"])
        }
    }

    /// A cancel that meets its add in one batch (the client went away at once) finds the transfer
    /// released by the gate but not started: it ends there, never reaches the network, and passes
    /// its turn to open the connection to the next transfer.
    @Test func aCancelInTheSameBatchEndsAReleasedTransferBeforeItStarts() {
        let mailbox = CurlMailbox()
        let first = Recorder()
        // The second is started, fails to connect, and then stops the loop.
        let second = Recorder { mailbox.post(.shutdown) }
        let firstID = mailbox.nextID()
        let secondID = mailbox.nextID()
        mailbox.post(.add(id: firstID, request: request("https://127.0.0.1:1/a"), delegate: first))
        mailbox.post(.add(id: secondID, request: request("https://127.0.0.1:1/b"), delegate: second))
        mailbox.post(.cancel(id: firstID))
        mailbox.post(.resume(id: firstID))
        mailbox.post(.cancel(id: firstID))
        mailbox.post(.cancel(id: 999))
        let loop = CurlLoop(mailbox: mailbox)
        loop.run()
        #expect(first.completions.withLockedValue { $0 } == ["cancelled"])
        let completions = second.completions.withLockedValue { $0 }
        #expect(completions.count == 1)
        #expect(completions.first != "shutting down" && completions.first != "cancelled")
        #expect(loop.transfers.isEmpty && loop.active.isEmpty)
    }
}
