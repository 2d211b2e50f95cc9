// Fixtures for the alert and progress store tests: a migrated database with accounts, targets,
// completed scans with open ports and alerts inserted by SQL, the way the runner writes them.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
import TestSupport

final class ProgressFixture {
    let config: MariaDBConfig
    let db: Connection

    init() throws {
        config = try TestDatabase.migratedDatabase(named: "progress")
        db = try Connection(config: config)
    }

    deinit { try? TestDatabase.drop(config) }

    func account(plan: String = "free", mfa: Bool = false) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO users (name, email, password_hash, plan, mfa_enabled, created_at, updated_at) VALUES ('T', ?, 'x', ?, ?, NOW(6), NOW(6))
            """, [.text("u\(UInt64.random(in: 0...UInt64.max))@example.test"), .text(plan), SQLValue(mfa)]).lastInsertID)
    }

    func target(_ account: Int64, _ address: String = "203.0.113.10", type: String = "ip", interval: Int? = 1440) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO targets (user_id, address, address_type, scan_profile, interval_minutes, created_at, updated_at)
            VALUES (?, ?, ?, 'standard', ?, NOW(6), NOW(6))
            """, [.int(account), .text(address), .text(type), SQLValue(interval)]).lastInsertID)
    }

    /// A completed scan finished at `finished` with these open ports on `host`; the target's
    /// last_scan_id/last_scan_at follow as the runner sets them.
    @discardableResult
    func scan(_ account: Int64, target: Int64, finished: Date, open: [Int] = [], host: String = "203.0.113.10",
              portsPerHost: Int = 1000) throws -> Int64 {
        let id = Int64(try db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, hosts_done, progress, open_ports, created_at, started_at, finished_at)
            VALUES (?, ?, 'completed', 'manual', ?, 'ip', 'standard', '1-1000', ?, 1, 1, 100, ?, ?, ?, ?)
            """, [.int(account), .int(target), .text(host), .int(Int64(portsPerHost)), .int(Int64(open.count)),
                  .date(finished), .date(finished), .date(finished)]).lastInsertID)
        try db.execute("""
            UPDATE targets SET last_scan_id = ?, last_scan_at = ? WHERE id = ? AND (last_scan_id IS NULL OR last_scan_id <= ?)
            """, [.int(id), .date(finished), .int(target), .int(id)])
        for port in open {
            try db.execute("INSERT INTO port_results (scan_id, host, host_key, port, state) VALUES (?, ?, ?, ?, 'open')",
                           [.int(id), .text(host), .blob(HostKey.bytes(for: host)), .int(Int64(port))])
        }
        return id
    }

    /// A certificate on the open port `port` of `scan`.
    func certificate(scan: Int64, port: Int, notAfter: Date, selfSigned: Bool = false) throws {
        try db.execute("""
            INSERT INTO tls_certificates (port_result_id, scan_id, version, cipher, subject, issuer, san, not_before, not_after,
                fingerprint_sha256, self_signed, expired)
            SELECT id, scan_id, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'CN=t', 'CN=t', '[]', ?, ?, REPEAT('a', 64), ?, ?
            FROM port_results WHERE scan_id = ? AND port = ?
            """, [.date(notAfter.addingTimeInterval(-90 * 86_400)), .date(notAfter), SQLValue(selfSigned),
                  SQLValue(notAfter < Date()), .int(scan), .int(Int64(port))])
    }

    @discardableResult
    func alert(_ account: Int64, target: Int64, scan: Int64, type: String = "new_port", severity: String = "high",
               status: String = "open", port: Int = 3389, created: Date = Date()) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at,
                acknowledged_at, resolved_at)
            VALUES (?, ?, ?, ?, ?, '203.0.113.10', ?, ?, '{"port": 1}', ?, ?, ?, ?, ?)
            """, [.int(account), .int(target), .int(scan), .text(type), .text(severity), .int(Int64(port)), .text("Alert on \(port)"),
                  .text(status), .text("k:\(UInt64.random(in: 0...UInt64.max))"), .date(created),
                  status == "open" ? .null : .date(created), status == "resolved" ? .date(created) : .null]).lastInsertID)
    }

    func xp(_ account: Int64) throws -> Int64 {
        try db.queryOne("SELECT COALESCE(SUM(xp), 0) AS n FROM xp_events WHERE user_id = ?", [.int(account)])?.int("n") ?? -1
    }

    func xpRows(_ account: Int64, key: String) throws -> Int64 {
        try db.queryOne("SELECT COUNT(*) AS n FROM xp_events WHERE user_id = ? AND event_key = ?", [.int(account), .text(key)])?.int("n") ?? -1
    }

    func achievements(_ account: Int64) throws -> [String: Date] {
        var out: [String: Date] = [:]
        for row in try db.query("SELECT achievement_key, earned_at FROM achievements WHERE user_id = ?", [.int(account)]) {
            out[try row.string("achievement_key")] = try row.date("earned_at")
        }
        return out
    }
}

/// 2026-01-01T12:00:00Z plus days.
func day(_ year: Int, _ month: Int, _ dayOfMonth: Int, hour: Double = 12) -> Date {
    UTCDay(year: year, month: month, day: dayOfMonth).startDate.addingTimeInterval(hour * 3600)
}
