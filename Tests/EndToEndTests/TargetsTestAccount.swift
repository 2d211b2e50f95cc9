// Helpers of the targets/scans suites: creating a target through the API, SQL seeding.
import Foundation
import MariaDB
import SkannrCore
import Testing
import TestSupport

extension TestAccount {

    /// Creates a target through the API and returns its id.
    func target(_ address: String, _ extra: [String: Any] = [:], using client: APIClient? = nil) throws -> Int64 {
        var body = extra
        body["address"] = address
        let response = try (client ?? self.client()).post("/targets", body)
        #expect(response.status == 201, "\(response)")
        return try #require((response["id"] as? NSNumber)?.int64Value)
    }
}

enum Seed {
    /// Inserts a finished scan for the target directly (fast setup for pagination and results).
    @discardableResult
    static func scan(_ db: Connection, account: Int64, target: Int64, status: String = "completed", created: Date = Date()) throws -> Int64 {
        let finished: SQLValue = ["completed", "failed", "cancelled"].contains(status) ? .date(created) : .null
        let started: SQLValue = status == "pending" ? .null : .date(created)
        let id = Int64(try db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports,
                ports_per_host, hosts_total, hosts_done, progress, created_at, started_at, finished_at)
            SELECT user_id, id, ?, 'manual', address, address_type, scan_profile, '22,80,443', 3, 1, 1, 100, ?, ?, ?
            FROM targets WHERE id = ? AND user_id = ?
            """, [.text(status), .date(created), started, finished, .int(target), .int(account)]).lastInsertID)
        if status == "completed" {  // as the runner's write-back does
            try db.execute("""
                UPDATE targets SET last_scan_id = ?, last_scan_at = ? WHERE id = ? AND (last_scan_id IS NULL OR last_scan_id <= ?)
                """, [.int(id), .date(created), .int(target), .int(id)])
        }
        return id
    }

    static func host(_ db: Connection, scan: Int64, _ host: String, state: String = "up", open: Int, closed: Int, filtered: Int) throws {
        try db.execute("""
            INSERT INTO scan_hosts (scan_id, host, host_key, hostname, state, open_count, closed_count, filtered_count)
            VALUES (?, ?, ?, NULL, ?, ?, ?, ?)
            """, [.int(scan), .text(host), .blob(HostKey.bytes(for: host)), .text(state), .int(Int64(open)), .int(Int64(closed)), .int(Int64(filtered))])
    }

    @discardableResult
    static func port(_ db: Connection, scan: Int64, _ host: String, _ port: Int, service: String? = nil) throws -> Int64 {
        Int64(try db.execute(
            "INSERT INTO port_results (scan_id, host, host_key, port, state, service) VALUES (?, ?, ?, ?, 'open', ?)",
            [.int(scan), .text(host), .blob(HostKey.bytes(for: host)), .int(Int64(port)), SQLValue(service)]).lastInsertID)
    }

    static func tls(_ db: Connection, scan: Int64, portResult: Int64) throws {
        try db.execute("""
            INSERT INTO tls_certificates (port_result_id, scan_id, version, cipher, subject, issuer, san, not_before, not_after,
                fingerprint_sha256, self_signed, expired)
            VALUES (?, ?, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'CN=example.test', 'CN=Test CA', '["example.test","www.example.test"]',
                '2026-01-01 00:00:00', '2027-01-01 00:00:00', ?, 0, 0)
            """, [.int(portResult), .int(scan), .text(String(repeating: "ab", count: 32))])
    }

    static func count(_ db: Connection, _ sql: String, _ params: [SQLValue]) throws -> Int64 {
        try db.queryOne(sql, params)?.int("n") ?? -1
    }
}

extension APIResponse {
    var fields: [String: String] { json["fields"] as? [String: String] ?? [:] }
    func int(_ key: String) -> Int64? { (json[key] as? NSNumber)?.int64Value }
}
