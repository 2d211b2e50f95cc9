// Issue 16 #6 (the per-account side): one account's scans cannot hold every runner slot. With a cap
// of one running scan per account, a second runner skips the busy account's queue and takes another
// account's scan, even one queued later; with nothing else waiting it takes nothing.
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("Claiming is fair between accounts (issue 16 #6)", .needsDatabase)
struct FairClaimingTests {
    static func claimedID(_ outcome: ScanClaimer.Outcome?) -> Int64? {
        if case .claimed(let scan) = outcome { return scan.id }
        return nil
    }

    @Test("an account at its cap of running scans waits; another account's later scan goes first")
    func busyAccountWaits() throws {
        let fixture = try RunnerFixture()
        let first = try fixture.addScan(target: try fixture.addTarget("127.0.0.1"), ports: "80")
        let second = try fixture.addScan(target: try fixture.addTarget("127.0.0.2"), ports: "80")
        let otherUser = Int64(try fixture.db.execute("""
            INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES ('O', ?, 'x', 'free', NOW(6), NOW(6))
            """, [.text("o\(UInt32.random(in: 0...UInt32.max))@example.com")]).lastInsertID)
        let otherTarget = Int64(try fixture.db.execute("""
            INSERT INTO targets (user_id, address, address_type, address_count, scan_profile, enabled, created_at, updated_at)
            VALUES (?, '127.0.0.9', 'ip', 1, 'quick', 1, NOW(6), NOW(6))
            """, [.int(otherUser)]).lastInsertID)
        let other = Int64(try fixture.db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, created_at)
            VALUES (?, ?, 'pending', 'manual', '127.0.0.9', 'ip', 'quick', '80', 1, 1, NOW(6))
            """, [.int(otherUser), .int(otherTarget)]).lastInsertID)

        let claimer = ScanClaimer(scannerID: "fair", leaseDuration: .seconds(30), maxAttempts: 3, maxRunningPerAccount: 1)
        #expect(Self.claimedID(try claimer.claim(fixture.store)) == first)
        #expect(Self.claimedID(try claimer.claim(fixture.store)) == other, "the busy account's second scan waits")
        #expect(try claimer.claim(fixture.store) == nil, "nothing else may start")
        try fixture.db.execute("UPDATE scans SET status = 'completed', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?", [.int(first)])
        #expect(Self.claimedID(try claimer.claim(fixture.store)) == second, "a finished scan frees the account's slot")
    }

    @Test("the cap comes from SKANNR_SCANNER_MAX_RUNNING_PER_ACCOUNT")
    func capSetting() throws {
        let configuration = try RunnerConfiguration(settings: .init(values: ["SKANNR_SCANNER_MAX_RUNNING_PER_ACCOUNT": "3"]))
        #expect(configuration.maxRunningScansPerAccount == 3)
    }
}
