// ScanStore on a real database: one active scan per target (the unique key), trigger-all's skips,
// cancel, every call scoped to the account, and the plan check of the one enqueue rule (ScanEnqueue)
// on a downgraded account (issue 15: the API's manual scan had no plan check).
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
import TestSupport

@Suite("Scan store", .needsDatabase)
struct ScanStoreTests {
    let f: ProgressFixture
    let store: ScanStore

    init() throws {
        f = try ProgressFixture()
        store = ScanStore(connection: f.db)
    }

    @Test("trigger-all scans each enabled idle target, also after skipping a disabled one and one with a scan in progress")
    func triggerAll() throws {
        let account = try f.account()
        let idle = try f.target(account, "203.0.113.1")
        let busy = try f.target(account, "203.0.113.2")
        let disabled = try f.target(account, "203.0.113.3")
        let idleAfterBusy = try f.target(account, "203.0.113.4")
        try f.db.execute("UPDATE targets SET enabled = FALSE WHERE id = ?", [.int(disabled)])
        let manual = try #require(try store.createManual(accountID: account, targetID: busy, now: Date()))
        #expect(manual.trigger == .manual && manual.status == .pending)

        let (created, skipped) = try store.triggerAll(accountID: account, now: Date())
        #expect(created.map(\.targetID) == [idle, idleAfterBusy] && created.allSatisfy { $0.trigger == .bulk })
        #expect(skipped.map(\.targetID) == [busy, disabled] && skipped.map(\.reason) == ["scan_in_progress", "disabled"])
        #expect(try f.db.queryOne("SELECT COUNT(*) AS n FROM scans WHERE user_id = ?", [.int(account)])?.int("n") == 3)
        #expect(throws: StoreError.scanInProgress) { try store.createManual(accountID: account, targetID: busy, now: Date()) }
    }

    @Test("cancelling a pending scan frees its target; a second cancel finds it finished")
    func cancel() throws {
        let account = try f.account()
        let target = try f.target(account)
        let scan = try #require(try store.createManual(accountID: account, targetID: target, now: Date()))
        guard case .cancelled(let cancelled) = try store.cancel(accountID: account, id: scan.id, now: Date()) else {
            Issue.record("a pending scan must cancel"); return
        }
        #expect(cancelled.status == .cancelled && cancelled.finishedAt != nil)
        #expect(try store.cancel(accountID: account, id: scan.id, now: Date()) == .alreadyFinished(cancelled))
        #expect(try store.createManual(accountID: account, targetID: target, now: Date()) != nil)
    }

    @Test("another account can neither scan the target nor see or cancel its scans")
    func scopedToAccount() throws {
        let owner = try f.account(), stranger = try f.account()
        let target = try f.target(owner)
        let scan = try #require(try store.createManual(accountID: owner, targetID: target, now: Date()))
        #expect(try store.createManual(accountID: stranger, targetID: target, now: Date()) == nil)
        #expect(try store.find(accountID: stranger, id: scan.id) == nil)
        #expect(try store.cancel(accountID: stranger, id: scan.id, now: Date()) == .notFound)
        #expect(try store.list(accountID: stranger, targetID: nil, status: nil, limit: 10, after: nil).items.isEmpty)
        #expect(try store.find(accountID: owner, id: scan.id)?.status == .pending)
    }

    @Test("a downgraded account's manual scan of a full-profile target is refused with plan_limit, and nothing is queued")
    func manualScanFollowsDowngrade() throws {
        let account = try f.account(plan: "pro")
        let target = try f.target(account)
        try f.db.execute("UPDATE targets SET scan_profile = 'full' WHERE id = ?", [.int(target)])
        #expect(try store.createManual(accountID: account, targetID: target, now: Date()) != nil, "pro allows the full profile")
        try f.db.execute("UPDATE scans SET status = 'completed' WHERE target_id = ?", [.int(target)])
        try f.db.execute("UPDATE users SET plan = 'free' WHERE id = ?", [.int(account)])

        #expect { try store.createManual(accountID: account, targetID: target, now: Date()) } throws: { error in
            (error as? PlanLimitError).map { $0.code == "plan_limit" && $0.limit == "scan_profiles" } ?? false
        }
        #expect(try f.db.queryOne("SELECT COUNT(*) AS n FROM scans WHERE target_id = ?", [.int(target)])?.int("n") == 1)
    }

    @Test("trigger-all of a downgraded account skips the targets its plan no longer allows with reason plan_limit")
    func triggerAllFollowsDowngrade() throws {
        let account = try f.account(plan: "free")
        let fits = try f.target(account, "203.0.113.1")
        let tooBig = try f.target(account, "203.0.113.0/22", type: "cidr")
        try f.db.execute("UPDATE targets SET address_count = 1024 WHERE id = ?", [.int(tooBig)])
        let (created, skipped) = try store.triggerAll(accountID: account, now: Date())
        #expect(created.map(\.targetID) == [fits])
        #expect(skipped.map(\.targetID) == [tooBig] && skipped.map(\.reason) == ["plan_limit"])
    }

    /// A pending scan of the target, inserted as the enqueue rule does (no plan check: claim order only).
    func pending(_ account: Int64, target: Int64) throws -> Int64 {
        Int64(try f.db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, created_at) VALUES (?, ?, 'pending', 'scheduled', '203.0.113.10', 'ip', 'quick', '80', 1, 1, NOW(6))
            """, [.int(account), .int(target)]).lastInsertID)
    }

    @Test("a free user's scan is claimed next behind a business account's 250 queued scans, while two of those run")
    func fairClaimBehindBacklog() throws {
        let business = try f.account(plan: "business"), free = try f.account(plan: "free")
        var backlog: [Int64] = []
        for index in 0..<250 {
            let target = try f.target(business, "198.51.100.\(index % 250)", interval: nil)
            backlog.append(try pending(business, target: target))
        }
        try f.db.execute("""
            UPDATE scans SET status = 'running', lease_owner = 'other/1', lease_expires_at = NOW(6) + INTERVAL 30 SECOND WHERE id IN (?, ?)
            """, [.int(backlog[0]), .int(backlog[1])])
        let freeScan = try pending(free, target: try f.target(free))
        let claimer = ScanClaimer(scannerID: "fair", leaseDuration: .seconds(30), maxAttempts: 3, maxRunningPerAccount: 8)
        let lifecycle = ScanLifecycleStore(connection: f.db)
        guard case .claimed(let first) = try claimer.claim(lifecycle) else { Issue.record("nothing claimed"); return }
        #expect(first.id == freeScan)
        guard case .claimed(let second) = try claimer.claim(lifecycle) else { Issue.record("nothing claimed"); return }
        #expect(second.id == backlog[2], "then the backlog, oldest first")
    }

    @Test("an orphaned scan (running, lease expired) is taken back before any pending scan")
    func expiredBeforePending() throws {
        let account = try f.account(plan: "business")
        let waiting = try pending(account, target: try f.target(account, "203.0.113.1"))
        let orphan = try pending(account, target: try f.target(account, "203.0.113.2"))
        try f.db.execute("""
            UPDATE scans SET status = 'running', attempts = 1, lease_owner = 'dead/1', lease_expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = ?
            """, [.int(orphan)])
        let claimer = ScanClaimer(scannerID: "r", leaseDuration: .seconds(30), maxAttempts: 3)
        guard case .claimed(let scan) = try claimer.claim(ScanLifecycleStore(connection: f.db)) else { Issue.record("nothing claimed"); return }
        #expect(scan.id == orphan && scan.attempts == 2)
        #expect(try f.db.queryOne("SELECT status FROM scans WHERE id = ?", [.int(waiting)])?.string("status") == "pending")
    }
}
