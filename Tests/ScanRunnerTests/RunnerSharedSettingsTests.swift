// The runner's shared settings come from SkannrSettings' typed parsers, the API's too
// (SkannrAPITests/APISharedSettingsTests): both enforce the same plan limits and database rules.
import ScanRunner
import SkannrSettings
import SkannrStore
import Testing

@Suite("Runner settings shared with the API")
struct RunnerSharedSettingsTests {
    static let values = [
        "SKANNR_PLAN_FREE_MAX_TARGETS": "2", "SKANNR_PLAN_PRO_MIN_INTERVAL_MINUTES": "90",
        "SKANNR_PLAN_BUSINESS_SCAN_PROFILES": "quick", "SKANNR_BILLING_GRACE_DAYS": "2",
        "SKANNR_DB_PORT": "3310", "SKANNR_DB_PASSWORD": "pw", "SKANNR_METRICS_DIR": "/tmp/skannr-metrics",
    ]

    @Test("the runner's plan limits, grace period, database and metrics are PlanSettings', DatabaseSettings' and MetricsSettings'")
    func sameParsers() throws {
        let settings = Settings(values: Self.values)
        let runner = try RunnerConfiguration(settings: settings)
        let plans = try PlanSettings(settings: settings)
        #expect(runner.plans == plans.catalog && runner.plans != .defaults)
        #expect(runner.billingGraceDays == plans.billingGraceDays)
        #expect(runner.database == (try DatabaseSettings(settings: settings, role: .runner)).config)
        #expect(runner.metricsDirectory == "/tmp/skannr-metrics")
    }

    @Test("a database port the API refuses, the runner refuses too", arguments: ["0", "65536", "port"])
    func sameDatabaseValidation(port: String) {
        #expect(throws: (any Error).self) { try RunnerConfiguration(settings: Settings(values: ["SKANNR_DB_PORT": port])) }
    }
}
