// Plan limits on target writes follow the effective plan: a past-due subscription keeps its plan
// for the grace period (SKANNR_BILLING_GRACE_DAYS, 7 by default), then the free limits apply.

import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Targets under a past-due subscription", .enabled(if: TestStack.isAvailable))
struct TargetsPastDueTests {
    static func proAccount(pastDueDays: Int) throws -> TestAccount {
        let account = try TestAccount.make(plan: "pro")
        try TestStack.appDatabase().execute("""
            INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id, status, plan, past_due_since, updated_at)
            VALUES (?, ?, ?, 'past_due', 'pro', UTC_TIMESTAMP(6) - INTERVAL ? DAY, UTC_TIMESTAMP(6))
            """, [.int(account.id), .text("cus_pd\(account.id)"), .text("sub_pd\(account.id)"), .int(Int64(pastDueDays))])
        return account
    }

    @Test("within the grace period the paid plan's target count still applies")
    func withinGrace() throws {
        let account = try Self.proAccount(pastDueDays: 1)
        let client = try account.client()
        for index in 1...3 {
            let created = try client.post("/targets", ["address": "10.77.0.\(index)"])
            #expect(created.status == 201, "\(created)")
        }
        let fourth = try client.post("/targets", ["address": "10.77.0.4"])
        let fifth = try client.post("/targets", ["address": "10.77.0.5"])
        #expect([fourth.status, fifth.status].allSatisfy { $0 == 201 }, "\(fourth) \(fifth)")
    }

    @Test("after the grace period the free plan's limits apply to new targets")
    func afterGrace() throws {
        let account = try Self.proAccount(pastDueDays: 30)
        let client = try account.client()
        for index in 1...3 {
            let created = try client.post("/targets", ["address": "10.78.0.\(index)"])
            #expect(created.status == 201, "\(created)")
        }
        let fourth = try client.post("/targets", ["address": "10.78.0.4"])
        #expect(fourth.status == 403)
        #expect(fourth.code == "plan_limit")
    }
}
