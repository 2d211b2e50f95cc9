// Issue 16 #5 on the runner's side: scheduled and CLI trigger-all scans follow the account's
// effective plan (free once a past-due subscription outlived its grace), the runner reads the same
// SKANNR_PLAN_* overrides as the API, and applying a lower plan disables the targets it no longer
// allows (range, profile, port count), not only those over the count.
import Foundation
import MariaDB
import SkannrCore
import SkannrSettings
import SkannrStore
import Testing
import TestSupport
@testable import ScanRunner

@Suite("Plan limits whenever a scan is enqueued (issue 16 #5)", .needsDatabase)
struct PlanOnEnqueueTests {
    /// A pro account whose subscription has been past due for `days`.
    static func pastDue(_ fixture: RunnerFixture, days: Int) throws {
        try fixture.db.execute("UPDATE users SET plan = 'pro' WHERE id = ?", [.int(fixture.userID)])
        try fixture.db.execute("""
            INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id, status, plan, past_due_since, updated_at)
            VALUES (?, ?, ?, 'past_due', 'pro', UTC_TIMESTAMP(6) - INTERVAL ? DAY, UTC_TIMESTAMP(6))
            """, [.int(fixture.userID), .text("cus_\(fixture.userID)"), .text("sub_\(fixture.userID)"), .int(Int64(days))])
    }

    @Test("a scheduled scan of a full-profile target is refused once the past-due grace is over")
    func scheduledFollowsEffectivePlan() throws {
        let fixture = try RunnerFixture(plan: "pro")
        try Self.pastDue(fixture, days: 30)
        try fixture.addTarget("127.0.0.1", profile: "full", interval: 60, nextScanAt: Date().addingTimeInterval(-1))
        let report = try ScanScheduler().enqueueDue(fixture.store)
        #expect(report == ScheduleReport(enqueued: 0, busy: 0, refused: 1))
    }

    @Test("within the grace the paid plan still applies to scheduled scans")
    func scheduledWithinGrace() throws {
        let fixture = try RunnerFixture(plan: "pro")
        try Self.pastDue(fixture, days: 1)
        try fixture.addTarget("127.0.0.1", profile: "full", interval: 60, nextScanAt: Date().addingTimeInterval(-1))
        #expect(try ScanScheduler().enqueueDue(fixture.store).enqueued == 1)
    }

    @Test("the CLI trigger-all refuses targets of an expired past-due account")
    func cliTriggerAllFollowsEffectivePlan() throws {
        let fixture = try RunnerFixture(plan: "pro")
        try Self.pastDue(fixture, days: 30)
        try fixture.addTarget("127.0.0.1", profile: "full")
        try fixture.addTarget("127.0.0.2", profile: "quick")
        #expect(try fixture.configuration().triggerAll() == ScheduleReport(enqueued: 1, busy: 0, refused: 1))
    }

    @Test("the runner reads SKANNR_PLAN_* overrides like the API")
    func runnerReadsPlanOverrides() throws {
        let configuration = try RunnerConfiguration(settings: Settings(values: [
            "SKANNR_PLAN_FREE_MAX_CIDR_ADDRESSES": "4", "SKANNR_PLAN_PRO_SCAN_PROFILES": "quick,standard",
        ]))
        #expect(configuration.plans.limits(for: .free).maxCIDRAddresses == 4)
        #expect(configuration.plans.limits(for: .pro).scanProfiles == [.quick, .standard])
    }

    @Test("applying the free plan disables the targets it no longer allows, not only those over the count")
    func downgradeDisablesMisfits() throws {
        let fixture = try RunnerFixture(plan: "business")
        let wide = try fixture.addTarget("10.90.0.0/20", type: "cidr", profile: "quick", count: 4096)
        let full = try fixture.addTarget("127.0.0.1", profile: "full")
        let manyPorts = try fixture.addTarget("127.0.0.2", profile: "custom", ports: "1-2000")
        let fits = try fixture.addTarget("127.0.0.3", profile: "quick")
        var free = PlanLimits.freeDefaults
        free.maxTargets = 10   // the count rule is BillingStoreTests'; here only what no longer fits
        let result = try fixture.db.transaction { tx in
            try BillingStore(tx).enforceLimits(accountID: fixture.userID, limits: free, now: Date())
        }
        #expect(Set(result.disabledTargetIDs) == [wide, full, manyPorts])
        #expect(try fixture.int("SELECT enabled AS n FROM targets WHERE id = ?", [.int(fits)]) == 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM targets WHERE enabled = 0") == 3)
    }
}
