// Plan limits on target writes follow the effective plan: a past-due subscription keeps its plan
// for the grace period (SKANNR_BILLING_GRACE_DAYS, 7 by default), then the free limits apply.

import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Targets under a past-due subscription", .needsStack)
struct TargetsPastDueTests {
    static func proAccount(pastDueDays: Int) throws -> TestAccount {
        let account = try TestAccount.make(plan: "pro")
        try TestStack.appDatabase().execute("""
            INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id, status, plan, past_due_since, updated_at)
            VALUES (?, ?, ?, 'past_due', 'pro', UTC_TIMESTAMP(6) - INTERVAL ? DAY, UTC_TIMESTAMP(6))
            """, [.int(account.id), .text("cus_pd\(account.id)"), .text("sub_pd\(account.id)"), .int(Int64(pastDueDays))])
        return account
    }

    /// Creates five targets on 10.<subnet>.0.1-5 and returns the answers, in order.
    static func createFive(_ account: TestAccount, subnet: Int) throws -> [APIResponse] {
        let client = try account.client()
        return try (1...5).map { try client.post("/targets", ["address": "10.\(subnet).0.\($0)"]) }
    }

    @Test("within the grace period the paid plan's target count still applies")
    func withinGrace() throws {
        let answers = try Self.createFive(try Self.proAccount(pastDueDays: 1), subnet: 77)
        #expect(answers.allSatisfy { $0.status == 201 }, "pro allows more than the free plan's 3: \(answers)")
    }

    @Test("after the grace period the free plan's limits apply to new targets")
    func afterGrace() throws {
        let answers = try Self.createFive(try Self.proAccount(pastDueDays: 30), subnet: 78)
        #expect(answers.prefix(3).allSatisfy { $0.status == 201 }, "\(answers)")
        #expect(answers.dropFirst(3).allSatisfy { $0.status == 403 && $0.code == "plan_limit" }, "\(answers)")
    }
}
