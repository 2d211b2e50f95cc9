// The API's shared settings come from SkannrSettings' typed parsers, the runner's too
// (ScanRunnerTests/RunnerSharedSettingsTests): both enforce the same plan limits and database rules.
import SkannrAPI
import SkannrSettings
import SkannrStore
import Testing

@Suite("API settings shared with the runner")
struct APISharedSettingsTests {
    static let values = [
        "SKANNR_JWT_KEYS": "k1:" + String(repeating: "A", count: 44),
        "SKANNR_PLAN_FREE_MAX_TARGETS": "2", "SKANNR_PLAN_PRO_MIN_INTERVAL_MINUTES": "90",
        "SKANNR_PLAN_BUSINESS_SCAN_PROFILES": "quick", "SKANNR_BILLING_GRACE_DAYS": "2",
        "SKANNR_DB_PORT": "3310", "SKANNR_DB_PASSWORD": "pw", "SKANNR_METRICS_DIR": "/tmp/skannr-metrics",
    ]

    @Test("the API's plan limits, grace period, database and metrics are PlanSettings', DatabaseSettings' and MetricsSettings'")
    func sameParsers() throws {
        let settings = Settings(values: Self.values)
        let api = try APIConfiguration(settings: settings)
        let plans = try PlanSettings(settings: settings)
        #expect(api.plans == plans.catalog && api.plans != .defaults)
        #expect(api.stripe.graceDays == plans.billingGraceDays)
        #expect(api.database == (try DatabaseSettings(settings: settings, role: .responder)).config)
        #expect(api.metricsDirectory == "/tmp/skannr-metrics")
    }

    @Test("a database port of 0 or above 65535 is refused (it used to reach UInt32(...) unchecked)", arguments: ["0", "65536", "-1"])
    func databasePortRange(port: String) {
        var values = Self.values
        values["SKANNR_DB_PORT"] = port
        #expect(throws: SettingsError.self) { try APIConfiguration(settings: Settings(values: values)) }
    }

    @Test("malformed JWT keys are refused naming SKANNR_JWT_KEYS, without the secret")
    func jwtKeysNamed() {
        var values = Self.values
        values["SKANNR_JWT_KEYS"] = "k1:c2hvcnQtc2VjcmV0LXZhbHVl"   // base64 of a 20-byte secret: too short
        #expect {
            try APIConfiguration(settings: Settings(values: values))
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("SKANNR_JWT_KEYS") && !message.contains("c2hvcnQtc2VjcmV0LXZhbHVl")
        }
    }

    @Test("each bad API setting is refused by its own name, without echoing a secret", arguments: [
        ("SKANNR_ARGON2_MEMORY_KIB", "lots"), ("SKANNR_ARGON2_ITERATIONS", "0"), ("SKANNR_ARGON2_PARALLELISM", "65"),
        ("SKANNR_STRIPE_TIMEOUT_SECONDS", "61"), ("SKANNR_RATE_LIMIT_STRIPE_WEBHOOK", "0"),
        ("SKANNR_REFRESH_TOKEN_TTL_SECONDS", "59"), ("SKANNR_MFA_KEY", "c2hvcnQtc2VjcmV0LXZhbHVl"),
        ("SKANNR_API_KEY_SECRET", "c2hvcnQtc2VjcmV0LXZhbHVl"),
    ])
    func eachSettingNamed(key: String, value: String) {
        var values = Self.values
        values[key] = value
        #expect {
            try APIConfiguration(settings: Settings(values: values))
        } throws: { error in
            let message = "\(error)"
            return (error as? SettingsError)?.key == key && message.hasPrefix(key + " ")
                && (!Settings.secretKeys.contains(key) || !message.contains(value))
        }
    }
}
