import Foundation
import Testing

/// The layers hold in the built binaries: `maxctl` links neither libcurl nor libinotifytools
/// (its two HTTP calls run through `maximize _fetch`), while the daemon links both.
@Suite struct LinkageTests {
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
