import Foundation

extension FileHandle {
    /// Writes `data` to a child process's standard input without the test process dying of
    /// `SIGPIPE` when the child has already closed it (`maximize _fetch` refusing oversized
    /// input did, once in CI): `SIGPIPE` is blocked on this thread for the write, and one the
    /// write raised is taken back before the mask is restored. Ignoring it process-wide instead
    /// would be inherited by every child the tests start (Foundation's `Process` keeps `SIG_IGN`).
    /// Returns whether every byte was written.
    @discardableResult
    func writeToChild(_ data: Data) -> Bool {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var now = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipeOnly, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        do {
            try write(contentsOf: data)
            return true
        } catch {
            return false
        }
    }
}
