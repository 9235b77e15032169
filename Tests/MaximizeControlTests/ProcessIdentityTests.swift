import Glibc
import MaximizeCore
import Testing

@testable import MaximizeControl

struct ProcessIdentityTests {
    /// `/proc/<pid>/stat` with `comm` in parentheses, here holding spaces and parentheses itself.
    static func stat(comm: String, state: String = "S", start: String = "89012") -> [UInt8] {
        let after = [
            state, "1", "2", "3", "0", "-1", "4194560", "10", "0", "0", "0", "5", "3", "0", "0", "20", "0", "7", "0", start, "123456", "789",
        ]
        return Array("4242 (\(comm)) \(after.joined(separator: " "))\n".utf8)
    }

    @Test(arguments: ["maximize", "a b", "x) (y", ") S 1 2 3", "(((", ""])
    func startTimeIsCountedFromTheLastParenthesis(comm: String) {
        let parsed = ProcessIdentity.parseStat(Self.stat(comm: comm))
        #expect(parsed?.start == 89012)
        #expect(parsed?.state == UInt8(ascii: "S"))
    }

    @Test func malformedTextsAreRejected() {
        #expect(ProcessIdentity.parseStat([]) == nil)
        #expect(ProcessIdentity.parseStat(Array("4242 maximize S 1 2".utf8)) == nil)
        #expect(ProcessIdentity.parseStat(Array("4242 (maximize) S 1 2 3".utf8)) == nil)
        #expect(ProcessIdentity.parseStat(Self.stat(comm: "m", start: "soon")) == nil)
        #expect(ProcessIdentity.parseStat(Self.stat(comm: "m", state: "SS")) == nil)
    }

    @Test func currentProcessIsFoundRunningWithItsStartTime() throws {
        let current = ProcessIdentity.current()
        #expect(current.pid == getpid())
        let start = try #require(current.start)
        #expect(current.namespace?.hasPrefix("pid:[") == true)
        #expect(ProcessIdentity.sighting(of: getpid()) == .running(start: start))
    }

    @Test func exitedAndReapedChildIsSeenExited() throws {
        var child: pid_t = 0
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(arguments[0]) }
        #expect(posix_spawn(&child, "/bin/true", nil, nil, &arguments, nil) == 0)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        #expect(ProcessIdentity.sighting(of: child) == .exited)
        #expect(ProcessIdentity.sighting(of: 0) == .unknown)
    }

    @Test func zombieIsSeenExited() throws {
        var child: pid_t = 0
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(arguments[0]) }
        #expect(posix_spawn(&child, "/bin/true", nil, nil, &arguments, nil) == 0)
        // Not reaped yet: a zombie, which kill(pid, 0) still finds.
        var info = siginfo_t()
        #expect(waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) == 0)
        #expect(ProcessIdentity.sighting(of: child) == .exited)
        var status: Int32 = 0
        waitpid(child, &status, 0)
    }
}
