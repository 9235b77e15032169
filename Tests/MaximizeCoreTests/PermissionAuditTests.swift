import Glibc
import Testing

@testable import MaximizeCore

struct PermissionAuditTests {
    @Test func looseModesAreReportedWithTheFix() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("tokens.json", "{}")
        let tokens = directory.path + "/tokens.json"
        #expect(chmod(tokens, 0o644) == 0)
        #expect(chmod(directory.path, 0o777) == 0)
        let problems = PermissionAudit.check([
            .directory(directory.path), .secretFile(tokens), .secretFile(directory.path + "/missing"),
        ])
        #expect(problems.count == 2)
        #expect(
            problems[tokens] == "\(tokens) is readable by group or others (mode 0644); run chmod 600 \(tokens)"
        )
        #expect(problems[directory.path]?.contains("(mode 0777)") == true)
        #expect(problems[directory.path]?.hasSuffix("run chmod 700 \(directory.path)") == true)
    }

    @Test func privateModesAndReadableDirectoriesPass() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("tokens.json", "{}")
        let tokens = directory.path + "/tokens.json"
        #expect(chmod(directory.path, 0o755) == 0)
        #expect(PermissionAudit.check([.directory(directory.path), .secretFile(tokens)]).isEmpty)
        #expect(chmod(tokens, 0o620) == 0)
        let hinted = PermissionAudit.check([.secretFile(tokens, hint: "a hint")])
        #expect(hinted[tokens] == "\(tokens) is writable by group or others (mode 0620); run chmod 600 \(tokens) (a hint)")
    }
}
