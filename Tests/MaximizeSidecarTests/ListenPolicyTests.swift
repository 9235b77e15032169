import MaximizeCore
import Testing

@testable import MaximizeSidecar

@Suite struct ListenPolicyTests {
    @Test func anOpenTCPListenerWithoutAnAPIKeyIsRefused() throws {
        let paths = MaximizePaths.resolve(stateDirectory: "/tmp/maximize-unit-state", environment: [:])
        var settings = try ConfigurationLoader(paths: paths, environment: [:]).load(fileContents: nil).settings
        settings.server.port = 8080
        settings.server.bindAddress = "0.0.0.0"
        #expect(ListenPolicy.openTCPProblem(settings, allowOpenTCP: false) != nil)
        #expect(ListenPolicy.openTCPProblem(settings, allowOpenTCP: true) == nil)
        settings.server.bindAddress = "127.0.0.1"
        #expect(ListenPolicy.openTCPProblem(settings, allowOpenTCP: false) == nil)
    }
}
