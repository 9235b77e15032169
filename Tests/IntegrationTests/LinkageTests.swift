import Foundation
import Testing

/// The layers hold in the built binaries: `maxctl` links neither libcurl nor libinotifytools
/// (its two HTTP calls run through `maximize _fetch`), while the daemon links both.
@Suite(.ownThreads) struct LinkageTests {
    static func libraries(of product: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [SidecarProcess.productsDirectory + "/" + product]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func maxctlLinksNoHTTPClientAndNoWatcher() throws {
        let maxctl = try Self.libraries(of: "maxctl")
        #expect(maxctl.contains("libc.so"))
        #expect(!maxctl.contains("libcurl"))
        #expect(!maxctl.contains("libinotifytools"))
        let daemon = try Self.libraries(of: "maximize")
        #expect(daemon.contains("libcurl"))
        #expect(daemon.contains("libinotifytools"))
    }
}

/// `maximize _fetch` given what is not a request from maxctl: a clear error, exit 2, no request.
@Suite(.ownThreads) struct FetchModeTests {
    static func fetch(_ input: [UInt8]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SidecarProcess.productsDirectory + "/maximize")
        process.arguments = ["_fetch"]
        let stdin = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let writer = Thread {
            stdin.fileHandleForWriting.writeToChild(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors, as: UTF8.self))
    }

    @Test func garbageAndOversizedInputAreRefused() throws {
        let garbage = try Self.fetch(Array("not a request".utf8))
        #expect(garbage.status == 2)
        #expect(garbage.stderr.contains("for maxctl only"))
        let huge = try Self.fetch([UInt8](repeating: 0x20, count: 5 << 20))
        #expect(huge.status == 2)
        #expect(huge.stderr.contains("standard input"), "\(huge.stderr)")
    }

    /// Writing to a child that has gone is an error, not the end of the test process.
    @Test func writingToAChildThatHasGoneIsAnErrorNotADeath() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        process.waitUntilExit()
        #expect(!stdin.fileHandleForWriting.writeToChild(Data(repeating: 0x20, count: 1 << 20)))
        // Nothing left pending to be delivered later, and the mask is as it was.
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0)
        var mask = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &mask)
        #expect(sigismember(&mask, SIGPIPE) == 0)
    }
}
