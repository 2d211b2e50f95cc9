// Fixtures for the runner tests: an isolated migrated database with one account, targets and scans
// inserted the way the API would, and loopback listeners. Traps: listeners bind 127.0.0.1/::1 only;
// an accepted peer is closed at once, so TLS probes of it fail fast (no TLS).
import Foundation
import Glibc
import MariaDB
import SkannrStore
@testable import ScanRunner
import TestSupport

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class RunnerFixture {
    let database: MariaDBConfig
    let db: Connection
    let userID: Int64
    /// The lifecycle store over `db`.
    var store: ScanLifecycleStore { ScanLifecycleStore(connection: db) }

    init(plan: String = "business") throws {
        database = try TestDatabase.migratedDatabase(named: "runner")
        db = try Connection(config: database)
        userID = Int64(try db.execute("""
            INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES ('T', ?, 'x', ?, NOW(6), NOW(6))
            """, [.text("t\(UInt32.random(in: 0...UInt32.max))@example.com"), .text(plan)]).lastInsertID)
    }

    func configuration(allowPrivate: Bool = true, scannerID: String = "test") throws -> RunnerConfiguration {
        try RunnerConfiguration.forTesting(database: database, allowPrivate: allowPrivate, scannerID: scannerID)
    }

    @discardableResult
    func addTarget(_ address: String, type: String = "ip", profile: String = "custom", ports: String? = nil,
                   interval: Int? = nil, nextScanAt: Date? = nil, enabled: Bool = true, count: Int = 1) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO targets (user_id, address, address_type, address_count, scan_profile, ports, interval_minutes, enabled,
                created_at, updated_at, next_scan_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, NOW(6), NOW(6), ?)
            """, [.int(userID), .text(address), .text(type), .int(Int64(count)), .text(profile), SQLValue(ports),
                  SQLValue(interval), SQLValue(enabled), SQLValue(nextScanAt)]).lastInsertID)
    }

    /// A pending manual scan of the target, snapshotting its address and the given port list.
    @discardableResult
    func addScan(target: Int64, ports: String) throws -> Int64 {
        let row = try db.queryOne("SELECT address, address_type, address_count FROM targets WHERE id = ?", [.int(target)])
        guard let row else { throw TestFailure("no target \(target)") }
        let count = portCount(ports)
        return Int64(try db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, created_at)
            VALUES (?, ?, 'pending', 'manual', ?, ?, 'custom', ?, ?, ?, NOW(6))
            """, [.int(userID), .int(target), .text(try row.string("address")), .text(try row.string("address_type")), .text(ports),
                  .int(Int64(count)), .int(try row.int("address_count")), ]).lastInsertID)
    }

    func int(_ sql: String, _ params: [SQLValue] = []) throws -> Int64 {
        guard let row = try db.queryOne(sql, params) else { throw TestFailure("no row: \(sql)") }
        return try row.int("n")
    }

    func string(_ sql: String, _ params: [SQLValue] = []) throws -> String? {
        try db.queryOne(sql, params)?.optionalString("s")
    }

    func status(_ scan: Int64) throws -> String? {
        try string("SELECT status AS s FROM scans WHERE id = ?", [.int(scan)])
    }

    private var settingsFiles: [URL] = []

    /// A settings file for a `skannr-scanner` process on this fixture's database, pinned to loopback
    /// like the test stack's runner; `extra` lines (`KEY=value`) are appended. Removed with the fixture.
    func settingsFile(_ extra: [String] = []) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString).env")
        let lines = [
            "SKANNR_DB_SOCKET=\(database.unixSocket ?? "")", "SKANNR_DB_USER=\(database.user)",
            "SKANNR_DB_PASSWORD=\(database.password)", "SKANNR_DB_NAME=\(database.database)",
            "SKANNR_ALLOW_PRIVATE_TARGETS=true", "SKANNR_SCANNER_ONLY_NETWORKS=127.0.0.0/8,::1/128",
        ] + extra
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        settingsFiles.append(file)
        return file
    }

    deinit {
        settingsFiles.forEach { try? FileManager.default.removeItem(at: $0) }
        try? TestDatabase.drop(database)
    }
}

func portCount(_ text: String) -> Int {
    text.split(separator: ",").reduce(0) { total, item in
        let bounds = item.split(separator: "-").compactMap { Int($0) }
        return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1)
    }
}

/// Runs `body` on `count` threads at once and waits for all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            body(index)
            group.leave()
        }.start()
    }
    group.wait()
}
