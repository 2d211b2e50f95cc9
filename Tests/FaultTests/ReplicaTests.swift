// The reporting read replica (issue 20): scripts/replica starts a primary (binlog, GTID) and a real
// replica of it on loopback ports; rows written through the primary come out of the replica's
// report views, read as the read-only reporting user, and the replica refuses writes.
// Trap: the replica is asynchronous — wait for the primary's GTID position (MASTER_GTID_WAIT)
// before reading, never sleep.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite(.enabled(if: TestStack.isAvailable), .serialized)
struct ReplicaTests {
    static var script: String { TestStack.projectDirectory + "/scripts/replica" }

    /// KEY=value lines of `scripts/replica up`.
    static func settings(_ output: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "="), line.prefix(while: { $0 != "=" }).allSatisfy({ $0.isUppercase || $0 == "_" }) else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    static func tcp(_ port: String?, user: String, password: String?) -> MariaDBConfig {
        MariaDBConfig(host: "127.0.0.1", port: UInt32(port ?? "") ?? 0, user: user, password: password ?? "", database: "skannr")
    }

    @Test func aReportReadFromTheReplicaShowsWhatWasWrittenThroughThePrimary() throws {
        let folder = NSTemporaryDirectory() + "skannr-replica-\(UUID().uuidString.prefix(8))"
        defer { _ = try? Shell.execute(Self.script, ["down", folder], timeout: 90); try? FileManager.default.removeItem(atPath: folder) }
        let up = try Shell.execute(Self.script, ["up", folder], timeout: 120)
        try #require(up.status == 0, "scripts/replica up failed: \(up.output)")
        let values = Self.settings(up.output)
        let primary = try Connection(config: Self.tcp(values["PRIMARY_PORT"], user: "skannr", password: values["APP_PASSWORD"]))
        let reports = try Connection(config: Self.tcp(values["REPLICA_PORT"], user: "skannr_reports", password: values["REPORTING_PASSWORD"]))

        let user = try primary.execute("""
            INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ('R', 'r@replica.test', 'x', NOW(6), NOW(6))
            """).lastInsertID
        let target = try primary.execute("""
            INSERT INTO targets (user_id, address, address_type, created_at, updated_at) VALUES (?, '203.0.113.7', 'ip', NOW(6), NOW(6))
            """, [.uint(user)]).lastInsertID
        let scan = try primary.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                created_at, started_at, finished_at) VALUES (?, ?, 'completed', 'manual', '203.0.113.7', 'ip', 'quick', '22,443', 2,
                NOW(6), NOW(6), NOW(6))
            """, [.uint(user), .uint(target)]).lastInsertID
        try primary.execute("""
            INSERT INTO port_results (scan_id, host, host_key, port, state, service)
            VALUES (?, '203.0.113.7', UNHEX('00000000000000000000FFFFCB007107'), 443, 'open', 'https')
            """, [.uint(scan)])
        let position = try #require(try primary.queryOne("SELECT @@gtid_binlog_pos AS gtid")?.string("gtid"))

        // The reporting user may wait for a GTID (no privilege needed) and read the report views only.
        #expect(try reports.queryOne("SELECT MASTER_GTID_WAIT(?, 30) AS waited", [.text(position)])?.int("waited") == 0)
        let rows = try reports.query("SELECT target_address, port, service FROM report_open_ports WHERE target_id = ?", [.uint(target)])
        #expect(rows.count == 1)
        #expect(try rows.first?.string("service") == "https")
        #expect(try rows.first?.int("port") == 443)
        #expect(throws: MariaDBError.self) { try reports.query("SELECT id FROM scans LIMIT 1") }
    }

    @Test func theReplicaRefusesWritesEvenFromTheApplicationsUser() throws {
        let folder = NSTemporaryDirectory() + "skannr-replica-\(UUID().uuidString.prefix(8))"
        defer { _ = try? Shell.execute(Self.script, ["down", folder], timeout: 90); try? FileManager.default.removeItem(atPath: folder) }
        let up = try Shell.execute(Self.script, ["up", folder], timeout: 120)
        try #require(up.status == 0, "scripts/replica up failed: \(up.output)")
        let values = Self.settings(up.output)
        // The application's user exists on the replica too (users replicate), with its write grants.
        let onReplica = try Connection(config: Self.tcp(values["REPLICA_PORT"], user: "skannr", password: values["APP_PASSWORD"]))
        #expect(throws: MariaDBError.self) {
            try onReplica.execute("""
                INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ('W', 'w@replica.test', 'x', NOW(6), NOW(6))
                """)
        }
    }
}
