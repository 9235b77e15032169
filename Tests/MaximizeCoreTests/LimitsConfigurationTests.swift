import Testing

@testable import MaximizeCore

/// `limits.*` in `config.json`.
struct LimitsConfigurationTests {
    @Test func defaults() throws {
        let limits = try makeSettings().limits
        #expect(limits.localCooldown)
        #expect(limits.maxCooldownSeconds == 3600)
        #expect(limits.dropUnavailableBetas)
    }

    @Test func fromTheFile() throws {
        let limits = try makeSettings(
            config: #"{"limits":{"local_cooldown":false,"max_cooldown_seconds":90,"drop_unavailable_betas":false}}"#
        ).limits
        #expect(!limits.localCooldown)
        #expect(limits.maxCooldownSeconds == 90)
        #expect(!limits.dropUnavailableBetas)
    }

    @Test(arguments: [
        (#"{"limits":{"local_cooldown":"maybe"}}"#, "limits.local_cooldown"),
        (#"{"limits":{"local_cooldown":1}}"#, "limits.local_cooldown"),
        (#"{"limits":{"max_cooldown_seconds":0}}"#, "limits.max_cooldown_seconds"),
        (#"{"limits":{"max_cooldown_seconds":"1e400"}}"#, "limits.max_cooldown_seconds"),
        (#"{"limits":"on"}"#, "limits"),
    ])
    func refused(config: String, key: String) {
        do {
            _ = try makeSettings(config: config)
            Issue.record("accepted \(config)")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
