// The typed settings every executable shares (DatabaseSettings, PlanSettings, MetricsSettings): one
// parser, one validation, and errors that name the variable and its rule but never a secret's value.
import Foundation
import SkannrCore
import SkannrSettings
import Testing

@Suite("Typed settings, parsed once")
struct TypedSettingsTests {
    func settings(_ values: [String: String]) -> Settings { Settings(values: values) }

    @Test("database settings read every SKANNR_DB_* key; only the I/O timeouts' defaults depend on the role")
    func databaseKeys() throws {
        let values = ["SKANNR_DB_HOST": "db.internal", "SKANNR_DB_PORT": "3307", "SKANNR_DB_USER": "app",
                      "SKANNR_DB_PASSWORD": "pw", "SKANNR_DB_NAME": "skannr_test", "SKANNR_DB_SOCKET": ""]
        let responder = try DatabaseSettings(settings: settings(values), role: .responder)
        let runner = try DatabaseSettings(settings: settings(values), role: .runner)
        #expect(responder.host == "db.internal" && responder.port == 3307 && responder.user == "app" && responder.name == "skannr_test")
        #expect(responder.unixSocket == nil, "an empty socket setting means none")
        #expect((responder.readTimeoutSeconds, runner.readTimeoutSeconds) == (10, 30))
        #expect(responder.port == 3307 && responder.password == "pw" && responder.name == "skannr_test")
    }

    @Test("a database port or timeout out of range is refused by name, with the rule and the value",
          arguments: [("SKANNR_DB_PORT", "0"), ("SKANNR_DB_PORT", "70000"), ("SKANNR_DB_PORT", "-1"),
                      ("SKANNR_DB_CONNECT_TIMEOUT", "0"), ("SKANNR_DB_READ_TIMEOUT", "ten"), ("SKANNR_DB_WRITE_TIMEOUT", "-5")])
    func databaseRanges(key: String, value: String) {
        for role in [DatabaseSettings.Role.responder, .runner] {
            #expect {
                try DatabaseSettings(settings: settings([key: value]), role: role)
            } throws: { error in
                let message = "\(error)"
                return (error as? SettingsError)?.key == key && message.hasPrefix("\(key) must be an integer")
                    && message.contains("\"\(value)\"")
            }
        }
    }

    @Test("a database description shows where it connects but never the password")
    func databaseDescriptionHidesPassword() throws {
        let database = try DatabaseSettings(settings: settings(["SKANNR_DB_PASSWORD": "hunter2-secret"]), role: .runner)
        #expect(!"\(database)".contains("hunter2-secret"))
        #expect("\(database)".contains("password: set"))
    }

    @Test("a secret's value is never echoed in an error, a plain setting's is")
    func secretsAreNotEchoed() {
        for key in Settings.secretKeys {
            let error = SettingsError(key: key, "must be base64", got: "hunter2-secret")
            #expect(!error.description.contains("hunter2-secret") && error.description.hasPrefix(key))
        }
        #expect(SettingsError(key: "SKANNR_DB_PORT", "must be an integer", got: "x").description.contains("\"x\""))
    }

    @Test("every key the sources read with secret() is one whose value is never echoed")
    func secretKeysListsEverySecret() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let pattern = try Regex(#"\.secret\("([A-Z0-9_]+)"\)"#)
        var read: Set<String> = []
        for file in files where file.pathExtension == "swift" {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: pattern) {
                if let key = match.output[1].substring { read.insert(String(key)) }
            }
        }
        #expect(read.count >= 7, "the scan found the secrets: \(read)")
        #expect(read.subtracting(Settings.secretKeys).isEmpty, "read as secrets but echoed in errors: \(read.subtracting(Settings.secretKeys))")
    }

    @Test("an unreadable secret file names the _FILE key and its path")
    func unreadableSecretFile() {
        #expect {
            try DatabaseSettings(settings: settings(["SKANNR_DB_PASSWORD_FILE": "/nonexistent/skannr-db-password"]), role: .runner)
        } throws: { error in
            (error as? SettingsError)?.key == "SKANNR_DB_PASSWORD_FILE" && "\(error)".contains("/nonexistent/skannr-db-password")
        }
    }

    @Test("plan overrides and the billing grace period are read into one value")
    func planOverrides() throws {
        let plans = try PlanSettings(settings: settings([
            "SKANNR_PLAN_FREE_MAX_TARGETS": "7", "SKANNR_PLAN_PRO_SCAN_PROFILES": "quick, standard",
            "SKANNR_PLAN_BUSINESS_MAX_CUSTOM_PORTS": "0", "SKANNR_BILLING_GRACE_DAYS": "3",
            "SKANNR_PLAN_FREE_MAX_CHANNELS": "0",
        ]))
        #expect(plans.catalog.limits(for: .free).maxChannels == 0)
        #expect(plans.catalog.limits(for: .free).maxTargets == 7)
        #expect(plans.catalog.limits(for: .pro).scanProfiles == [.quick, .standard])
        #expect(plans.catalog.limits(for: .business).maxCustomPorts == nil)
        #expect(plans.billingGraceDays == 3)
        #expect(try PlanSettings(settings: settings([:])) == PlanSettings(settings: settings(["SKANNR_BILLING_GRACE_DAYS": "7"])))
        #expect(try PlanSettings(settings: settings([:])).catalog == .defaults)
    }

    @Test("bad plan overrides are refused by name", arguments: [
        ("SKANNR_PLAN_FREE_MAX_TARGETS", "0"), ("SKANNR_PLAN_PRO_REQUESTS_PER_MINUTE", "fast"),
        ("SKANNR_PLAN_FREE_SCAN_PROFILES", "everything"), ("SKANNR_PLAN_FREE_SCAN_PROFILES", ","),
        ("SKANNR_PLAN_PRO_MAX_CUSTOM_PORTS", "-1"), ("SKANNR_BILLING_GRACE_DAYS", "-1"),
        ("SKANNR_PLAN_PRO_MAX_CHANNELS", "many"),
    ])
    func badPlanOverrides(key: String, value: String) {
        #expect {
            try PlanSettings(settings: settings([key: value]))
        } throws: { error in
            (error as? SettingsError)?.key == key && "\(error)".hasPrefix(key + " must")
        }
    }

    @Test("the metrics directory is optional and an empty value means none")
    func metricsDirectory() {
        #expect(MetricsSettings(settings: settings(["SKANNR_METRICS_DIR": "/run/skannr/metrics"])).directory == "/run/skannr/metrics")
        #expect(MetricsSettings(settings: settings(["SKANNR_METRICS_DIR": ""])).directory == nil)
        #expect(MetricsSettings(settings: settings([:])).directory == nil)
    }
}
