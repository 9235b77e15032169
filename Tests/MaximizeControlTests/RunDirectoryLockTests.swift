import Glibc
import MaximizeCore
import Testing

@testable import MaximizeControl

/// Open-file-description locks conflict between two opens of the file even in one process, so one
/// test process can play both daemons. A lock taken here stays held until the tests end.
struct RunDirectoryLockTests {
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/maximize-lock-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    @Test func secondAcquireIsRefusedWithTheOwnersPidAndProbesSeeItHeld() throws {
        let run = Self.temporaryDirectory()
        #expect(RunDirectoryLock.observe(runDirectory: run) == .unknown)
        _ = try RunDirectoryLock.acquire(runDirectory: run)
        #expect(RunDirectoryLock.observe(runDirectory: run) == .held)
        #expect(RunDirectoryLock.ownerPid(run + "/maximize.lock") == getpid())
        let before = try FileSystem.readFile(run + "/maximize.lock")
        #expect(throws: RunDirectoryLock.Failure.held(runDirectory: run, pid: getpid())) {
            try RunDirectoryLock.acquire(runDirectory: run)
        }
        #expect(try FileSystem.readFile(run + "/maximize.lock") == before)
        let message = RunDirectoryLock.Failure.held(runDirectory: run, pid: 7).description
        #expect(message == "another maximize (pid 7) is already running with run dir \(run); stop it first or use another --run-dir")
    }

    @Test func lockFileNobodyHoldsIsFree() throws {
        let run = Self.temporaryDirectory()
        try FileSystem.writeAtomically(Array("12345\n".utf8), to: run + "/maximize.lock", mode: 0o644)
        #expect(RunDirectoryLock.observe(runDirectory: run) == .free)
        // Read-only, as a probe running as another user would open it.
        chmod(run + "/maximize.lock", 0o444)
        #expect(RunDirectoryLock.observe(runDirectory: run) == .free)
    }

    @Test func symbolicLinkIsRefusedAndItsTargetUntouched() throws {
        let run = Self.temporaryDirectory()
        try FileSystem.writeAtomically(Array("keep".utf8), to: run + "/target", mode: 0o644)
        #expect(symlink(run + "/target", run + "/maximize.lock") == 0)
        #expect {
            try RunDirectoryLock.acquire(runDirectory: run)
        } throws: { error in
            (error as? RunDirectoryLock.Failure)?.description.contains("symbolic link") == true
        }
        #expect(try FileSystem.readFile(run + "/target") == Array("keep".utf8))
        #expect(RunDirectoryLock.observe(runDirectory: run) == .unknown)
    }

    @Test func directoryInItsPlaceIsRefused() throws {
        let run = Self.temporaryDirectory()
        try FileSystem.createDirectory(run + "/maximize.lock", mode: 0o755)
        #expect(throws: RunDirectoryLock.Failure.self) { try RunDirectoryLock.acquire(runDirectory: run) }
        #expect(RunDirectoryLock.observe(runDirectory: run) == .unknown)
    }
}
