// Issue 16 #5 through nginx: the API checks the account's effective plan whenever it enqueues a scan.
// After a downgrade to free, a kept /20 `full` target cannot be scanned (403 plan_limit) and the
// API's trigger-all skips it with reason plan_limit; a past-due account past its grace is free too.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Plan limits when the API enqueues a scan (issue 16 #5)", .needsStack)
struct PlanScanTests {
    @Test("after a downgrade a kept /20 full target is refused: manual scan 403, trigger-all skips it, no scan row")
    func downgradedAccount() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let subnet = Int.random(in: 100...200)
        let created = try client.post("/targets", ["address": "10.\(subnet).0.0/20", "scan_profile": "full"])
        #expect(created.status == 201, "\(created)")
        let id = try #require((created["id"] as? NSNumber)?.int64Value)
        let database = try TestStack.appDatabase()
        try database.execute("UPDATE users SET plan = 'free' WHERE id = ?", [.int(account.id)])
        let manual = try client.post("/targets/\(id)/scan")
        #expect(manual.status == 403 && manual.code == "plan_limit", "\(manual)")
        let bulk = try client.post("/scans/trigger-all")
        #expect(bulk.status == 202, "\(bulk)")
        #expect((bulk["items"] as? [Any])?.isEmpty == true, "\(bulk)")
        let skipped = bulk["skipped"] as? [[String: Any]] ?? []
        #expect(skipped.first?["reason"] as? String == "plan_limit", "\(bulk)")
        #expect(try database.queryOne("SELECT COUNT(*) AS n FROM scans WHERE target_id = ?", [.int(id)])?.int("n") == 0)
    }

    @Test("a past-due account past its grace cannot start a full scan it created while paying")
    func pastDueAfterGrace() throws {
        let account = try TargetsPastDueTests.proAccount(pastDueDays: 1)
        let client = try account.client()
        let created = try client.post("/targets", ["address": "10.\(Int.random(in: 100...200)).1.1", "scan_profile": "full"])
        #expect(created.status == 201, "\(created)")
        let id = try #require((created["id"] as? NSNumber)?.int64Value)
        try TestStack.appDatabase().execute(
            "UPDATE subscriptions SET past_due_since = UTC_TIMESTAMP(6) - INTERVAL 30 DAY WHERE user_id = ?", [.int(account.id)])
        let manual = try client.post("/targets/\(id)/scan")
        #expect(manual.status == 403 && manual.code == "plan_limit", "\(manual)")
    }
}
