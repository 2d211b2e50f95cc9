// skannr-retention against the running stack, as the scan-runner's database user (its grants:
// scripts/create-db-users, retention_progress included): one bounded run prunes a scan past a
// free account's window and reports it as one JSON line.
import Foundation
import MariaDB
import SkannrCore
import Testing
import TestSupport

@Suite(.enabled(if: TestStack.isAvailable), .serialized)
struct RetentionCommandTests {
    @Test func oneRunAsTheRunnersUserPrunesAScanPastTheWindowAndSaysSo() throws {
        let db = try TestStack.appDatabase()
        let account = try TestAccount.make(plan: "free")
        let target = try db.execute("""
            INSERT INTO targets (user_id, address, address_type, created_at, updated_at) VALUES (?, '127.0.0.9', 'ip', NOW(6), NOW(6))
            """, [.int(account.id)]).lastInsertID
        // 12 completed scans with one open port each; the free plan keeps the newest 10 by default.
        var scans: [UInt64] = []
        for minute in 0..<12 {
            let scan = try db.execute("""
                INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                    open_ports, created_at, started_at, finished_at)
                VALUES (?, ?, 'completed', 'manual', '127.0.0.9', 'ip', 'quick', '22', 1, 1, NOW(6) - INTERVAL ? MINUTE, NOW(6), NOW(6))
                """, [.int(account.id), .uint(target), .int(Int64(60 - minute))]).lastInsertID
            try db.execute("INSERT INTO port_results (scan_id, host, host_key, port, state) VALUES (?, '127.0.0.9', ?, 22, 'open')",
                           [.uint(scan), .blob(HostKey.bytes(for: "127.0.0.9"))])
            scans.append(scan)
        }
        let output = try TestStack.control("retention")
        #expect(output.contains(#""event":"retention_done""#))
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM port_results WHERE scan_id IN (?, ?)", [.uint(scans[0]), .uint(scans[1])])?.int("n") == 0)
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM scans WHERE target_id = ? AND results_pruned_at IS NOT NULL", [.uint(target)])?.int("n") == 2)
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.uint(scans[11])])?.int("n") == 1)
    }
}
