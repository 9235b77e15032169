import Testing

@testable import MaximizeCore

struct MaximizePathsTests {
    @Test func defaults() {
        let paths = MaximizePaths.resolve(environment: ["HOME": "/home/u"], currentDirectory: "/cwd")
        #expect(paths.stateDirectory == "/home/u/.maximize")
        #expect(paths.runDirectory == "/home/u/.maximize/run")
        #expect(paths.configFile == "/home/u/.maximize/config.json")
        #expect(!paths.configFileIsExplicit)
        #expect(paths.socketDefault == "/home/u/.maximize/run/maximize.sock")
        #expect(paths.statusFile == "/home/u/.maximize/run/status.json")
        #expect(paths.controlDirectory == "/home/u/.maximize/run/control")
        #expect(paths.tokenFileDefault == "/home/u/.maximize/tokens.json")
    }

    @Test func environment() {
        let env = [
            "HOME": "/home/u", "MAXIMIZE_STATE_DIR": "/state", "MAXIMIZE_RUN_DIR": "~/run",
            "MAXIMIZE_CONFIG": "conf.json",
        ]
        let paths = MaximizePaths.resolve(environment: env, currentDirectory: "/cwd")
        #expect(paths.stateDirectory == "/state")
        #expect(paths.runDirectory == "/home/u/run")
        #expect(paths.configFile == "/cwd/conf.json")
        #expect(paths.configFileIsExplicit)
    }

    @Test func flagsWinOverEnvironment() {
        let env = ["MAXIMIZE_STATE_DIR": "/env-state", "MAXIMIZE_RUN_DIR": "/env-run", "MAXIMIZE_CONFIG": "/env.json"]
        let paths = MaximizePaths.resolve(
            stateDirectory: "state",
            runDirectory: "/flag-run",
            configFile: "/flag.json",
            environment: env,
            currentDirectory: "/cwd/"
        )
        #expect(paths.stateDirectory == "/cwd/state")
        #expect(paths.runDirectory == "/flag-run")
        #expect(paths.configFile == "/flag.json")
    }

    @Test func emptyValuesFallThrough() {
        let env = ["MAXIMIZE_STATE_DIR": "/env-state", "MAXIMIZE_RUN_DIR": "", "HOME": "/h"]
        let paths = MaximizePaths.resolve(stateDirectory: "", runDirectory: "", configFile: "", environment: env)
        #expect(paths.stateDirectory == "/env-state")
        #expect(paths.runDirectory == "/env-state/run")
        #expect(!paths.configFileIsExplicit)
    }
}
