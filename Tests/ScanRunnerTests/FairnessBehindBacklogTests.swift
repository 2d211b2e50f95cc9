// Issue 20's fairness bar with ONE runner slot: a free account's scan queued behind a business backlog
// of single-unit scans must be claimed at the next free slot. Found by `scripts/bench-runner
// --fairness`: the slot freed with the business account at 0 running (a tie), and the round robin read
// the latest claim among each account's PENDING scans — none, single-unit scans never yield — so the
// oldest pending scan, the backlog's, won every time. It now reads each account's latest claim of any
// scan (account_claims, migration 0031).
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("A free scan behind a backlog with one runner slot (issue 20)", .needsDatabase)
struct FairnessBehindBacklogTests {
    @Test("after one backlog scan completes, the free account's later scan is claimed before the rest of the backlog")
    func freeScanIsNextAfterOneBacklogScan() throws {
        let fixture = try RunnerFixture()
        let backlog = try (1...3).map { try fixture.addScan(target: try fixture.addTarget("127.0.0.\($0)"), ports: "80") }
        let free = try Self.freeAccountScan(fixture)
        let claimer = ScanClaimer(scannerID: "one-slot", leaseDuration: .seconds(30), maxAttempts: 3, maxRunningPerAccount: 2)

        #expect(FairClaimingTests.claimedID(try claimer.claim(fixture.store)) == backlog[0], "nothing served yet: the oldest scan")
        try fixture.db.execute("UPDATE scans SET status = 'completed', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                               [.int(backlog[0])])
        let next = FairClaimingTests.claimedID(try claimer.claim(fixture.store))
        #expect(next != nil, "a scan is claimed")
        #expect(next == free, "the business account was just served: the free account's scan is next")
    }

    /// A free account with one pending quick scan, queued after the fixture's backlog.
    static func freeAccountScan(_ fixture: RunnerFixture) throws -> Int64 {
        let user = Int64(try fixture.db.execute("""
            INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES ('F', ?, 'x', 'free', NOW(6), NOW(6))
            """, [.text("f\(UInt32.random(in: 0...UInt32.max))@example.com")]).lastInsertID)
        let target = Int64(try fixture.db.execute("""
            INSERT INTO targets (user_id, address, address_type, address_count, scan_profile, enabled, created_at, updated_at)
            VALUES (?, '127.0.0.9', 'ip', 1, 'quick', 1, NOW(6), NOW(6))
            """, [.int(user)]).lastInsertID)
        return Int64(try fixture.db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, created_at)
            VALUES (?, ?, 'pending', 'manual', '127.0.0.9', 'ip', 'quick', '80', 1, 1, NOW(6))
            """, [.int(user), .int(target)]).lastInsertID)
    }
}
