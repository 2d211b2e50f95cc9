// The reporting views of 0007_reporting.sql and every query in sql/reports on seeded data with known
// figures, and the reporting user of scripts/create-reporting-user: it reads the views and nothing
// else (no users.password_hash, no refresh_tokens, no subscriptions).
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Reporting views and the reporting user", .needsDatabase, .serialized)
struct ReportTests {
    static var projectDirectory: URL { TestDatabase.migrationsDirectory.deletingLastPathComponent().deletingLastPathComponent() }

    /// A migrated database with 4 accounts, 3 targets, 5 scans, open ports, alerts and subscriptions.
    final class Seeded {
        let config: MariaDBConfig
        let db: Connection
        let scanDay: String

        init() throws {
            config = try TestDatabase.migratedDatabase(named: "reports")
            db = try Connection(config: config)
            try db.execute("""
                INSERT INTO users (id, name, email, password_hash, plan, created_at, updated_at) VALUES
                (1, 'A', 'a@example.test', '$argon2id$secret-hash-a', 'pro', '2025-01-15 10:00:00', NOW(6)),
                (2, 'B', 'b@example.test', '$argon2id$secret-hash-b', 'business', '2025-01-20 10:00:00', NOW(6)),
                (3, 'C', 'c@example.test', '$argon2id$secret-hash-c', 'free', '2025-02-01 10:00:00', NOW(6)),
                (4, 'D', 'd@example.test', '$argon2id$secret-hash-d', 'free', '2025-02-02 10:00:00', NOW(6))
                """)
            try db.execute("""
                INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id, status, plan, cancel_at_period_end, updated_at) VALUES
                (1, 'cus_1', 'sub_1', 'active', 'pro', 0, '2025-01-15 10:00:00'),
                (2, 'cus_2', 'sub_2', 'active', 'business', 1, '2025-02-10 10:00:00'),
                (3, 'cus_3', 'sub_3', 'canceled', 'free', 0, '2025-03-10 10:00:00')
                """)
            try db.execute("""
                INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at)
                VALUES (1, RANDOM_BYTES(16), RANDOM_BYTES(32), NOW(6), NOW(6) + INTERVAL 7 DAY)
                """)
            try db.execute("""
                INSERT INTO targets (id, user_id, address, address_type, created_at, updated_at) VALUES
                (1, 1, '203.0.113.0/31', 'cidr', NOW(6), NOW(6)), (2, 2, '198.51.100.7', 'ip', NOW(6), NOW(6)),
                (3, 2, '198.51.100.8', 'ip', NOW(6), NOW(6))
                """)
            // Every scan was created two days ago (one UTC day), started then, and ran 10/30/60 s.
            let created = Date().addingTimeInterval(-2 * 86400)
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            scanDay = formatter.string(from: created)
            func scan(_ id: Int64, target: Int64, user: Int64, _ status: String, _ trigger: String, seconds: Double?) throws {
                let finished: SQLValue = seconds.map { .date(created.addingTimeInterval($0)) } ?? (status == "failed" ? .date(created) : .null)
                try db.execute("""
                    INSERT INTO scans (id, user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports,
                        ports_per_host, created_at, started_at, finished_at)
                    VALUES (?, ?, ?, ?, ?, 'x', 'ip', 'quick', '22,80,443', 3, ?, ?, ?)
                    """, [.int(id), .int(user), .int(target), .text(status), .text(trigger), .date(created),
                          status == "pending" ? .null : .date(created), finished])
            }
            try scan(1, target: 1, user: 1, "completed", "manual", seconds: 10)
            try scan(2, target: 1, user: 1, "completed", "manual", seconds: 30)
            try scan(3, target: 1, user: 1, "failed", "manual", seconds: nil)
            try scan(4, target: 2, user: 2, "completed", "bulk", seconds: 60)
            try scan(5, target: 3, user: 2, "pending", "bulk", seconds: nil)
            func port(_ scan: Int64, _ host: String, _ port: Int, _ service: String) throws {
                try db.execute("INSERT INTO port_results (scan_id, host, host_key, port, service) VALUES (?, ?, ?, ?, ?)",
                               [.int(scan), .text(host), .blob(Array(host.utf8)), .int(Int64(port)), .text(service)])
            }
            try port(1, "203.0.113.0", 22, "ssh")        // superseded by scan 2
            try port(1, "203.0.113.0", 80, "http")
            try port(2, "203.0.113.0", 80, "http")
            try port(2, "203.0.113.0", 443, "https")
            try port(2, "203.0.113.1", 443, "https")
            try port(4, "198.51.100.7", 22, "ssh")
            try port(4, "198.51.100.7", 3306, "mysql")
            try db.execute("""
                INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, title, details, dedupe_key, created_at, acknowledged_at, resolved_at) VALUES
                (1, 1, 2, 'new_port', 'high', 'h', 't', '{}', 'a', '2025-01-06 00:00:00', '2025-01-06 00:00:10', NULL),
                (1, 1, 2, 'new_port', 'high', 'h', 't', '{}', 'b', '2025-01-06 00:00:00', '2025-01-06 00:00:20', '2025-01-06 00:01:00'),
                (1, 1, 2, 'new_port', 'high', 'h', 't', '{}', 'c', '2025-01-07 00:00:00', NULL, NULL),
                (2, 2, 4, 'closed_port', 'low', 'h', 't', '{}', 'd', '2025-01-05 00:00:00', '2025-01-05 00:00:30', NULL)
                """)
        }

        func rows(_ sql: String) throws -> [Row] { try db.query(sql) }

        func utcDay(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter.string(from: date)
        }

        deinit { try? TestDatabase.drop(config) }
    }

    @Test("open ports per target come from the latest completed scan only; exposure sums them by service")
    func openPortsAndExposure() throws {
        let seeded = try Seeded()
        let perTarget = try seeded.rows("""
            SELECT account_id, target_id, scan_id, COUNT(*) AS n, COUNT(DISTINCT host) AS hosts
            FROM report_open_ports GROUP BY account_id, target_id, scan_id ORDER BY target_id
            """)
        #expect(perTarget.count == 2)
        #expect(try perTarget.map { [try $0.int("account_id"), try $0.int("target_id"), try $0.int("scan_id"), try $0.int("n"), try $0.int("hosts")] }
                == [[1, 1, 2, 3, 2], [2, 2, 4, 2, 1]])
        let exposure = try seeded.rows("SELECT * FROM report_exposure_by_service ORDER BY port")
        #expect(try exposure.map { "\(try $0.string("service"))/\(try $0.int("port")):\(try $0.int("open_instances")):\(try $0.int("targets")):\(try $0.int("accounts"))" }
                == ["ssh/22:1:1:1", "http/80:1:1:1", "https/443:2:1:1", "mysql/3306:1:1:1"])
    }

    @Test("alerts are counted per ISO week, type and severity (Sunday 2025-01-05 is in 2025-W01)")
    func alertsWeekly() throws {
        let rows = try Seeded().rows("SELECT * FROM report_alerts_weekly ORDER BY iso_week")
        #expect(try rows.map { "\(try $0.string("iso_week")) \(try $0.string("type")) \(try $0.string("severity")) \(try $0.int("alerts"))" }
                == ["2025-W01 closed_port low 1", "2025-W02 new_port high 3"])
    }

    @Test("time to acknowledge and resolve: mean and 90th percentile per severity and overall, ignoring open alerts")
    func responseTimes() throws {
        let rows = try Seeded().rows("SELECT * FROM report_alert_response_times ORDER BY severity")
        let bySeverity = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.string("severity"), $0) })
        let all = try #require(bySeverity["all"])
        #expect(try all.int("acknowledged") == 3)
        #expect(try all.double("mean_ack_seconds") == 20)
        #expect(try all.double("p90_ack_seconds") == 28)      // 10, 20, 30: 20 + 0.8 × 10
        #expect(try all.int("resolved") == 1)
        #expect(try all.double("mean_resolve_seconds") == 60)
        let high = try #require(bySeverity["high"])
        #expect(try high.double("mean_ack_seconds") == 15)
        #expect(try high.double("p90_ack_seconds") == 19)     // 10, 20: 10 + 0.9 × 10
        let low = try #require(bySeverity["low"])
        #expect(try low.int("resolved") == 0)
        #expect(try low.optionalDouble("p90_resolve_seconds") == nil)
    }

    @Test("scans per day and trigger: outcomes, failure rate and durations; per-profile percentiles")
    func scanStatistics() throws {
        let seeded = try Seeded()
        let daily = try seeded.rows("SELECT * FROM report_scans_daily ORDER BY trigger_kind")
        #expect(daily.count == 2)
        let manual = try #require(try daily.first { try $0.string("trigger_kind") == "manual" })
        #expect(try seeded.utcDay(manual.date("day")) == seeded.scanDay)
        #expect(try [manual.int("scans"), manual.int("completed"), manual.int("failed"), manual.int("unfinished")] == [3, 2, 1, 0])
        #expect(abs(try manual.double("failure_rate") - 1.0 / 3) < 1e-4)
        #expect(try manual.double("mean_duration_seconds") == 20)
        #expect(try manual.double("max_duration_seconds") == 30)
        let bulk = try #require(try daily.first { try $0.string("trigger_kind") == "bulk" })
        #expect(try [bulk.int("scans"), bulk.int("completed"), bulk.int("unfinished")] == [2, 1, 1])
        #expect(try bulk.double("failure_rate") == 0)

        let durations = try #require(try seeded.rows("SELECT * FROM report_scan_durations").first)
        #expect(try durations.string("scan_profile") == "quick")
        #expect(try durations.int("completed") == 3)
        #expect(try durations.double("median_seconds") == 30)
        #expect(try durations.double("p90_seconds") == 54)     // 10, 30, 60: 30 + 0.8 × 30
    }

    @Test("plan distribution, churn per month and sign-ups per month")
    func plansAndChurn() throws {
        let seeded = try Seeded()
        let plans = try seeded.rows("SELECT * FROM report_plan_distribution ORDER BY plan")
        #expect(try plans.map { "\(try $0.string("plan")):\(try $0.int("accounts")):\(try $0.int("subscribed")):\(try $0.int("cancelling"))" }
                == ["free:2:0:0", "pro:1:1:0", "business:1:1:1"])
        let churn = try seeded.rows("SELECT * FROM report_churn_monthly")
        #expect(churn.count == 1)
        #expect(try churn.first?.string("month") == "2025-03")
        #expect(try churn.first?.int("churned") == 1)
        #expect(try churn.first?.int("active_now") == 2)
        #expect(abs(try (churn.first?.double("churn_rate") ?? 0) - 1.0 / 3) < 1e-4)
        let signups = try seeded.rows("SELECT * FROM report_signups_monthly ORDER BY month, plan")
        #expect(try signups.map { "\(try $0.string("month")) \(try $0.string("plan")) \(try $0.int("accounts"))" }
                == ["2025-01 pro 1", "2025-01 business 1", "2025-02 free 2"])
    }

    @Test("the reporting user runs every query in sql/reports and can read no table, hash or token")
    func reportingUser() throws {
        let seeded = try Seeded()
        let user = "rep_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let password = "P'w\\" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let printed = try Shell.run(Self.projectDirectory.appendingPathComponent("scripts/create-reporting-user").path, [
            "--socket", seeded.config.unixSocket ?? "", "--database", seeded.config.database, "--user", user,
        ], environment: ["REPORTING_PASSWORD": password])
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == password)
        let admin = try Connection(config: seeded.config)
        defer { _ = try? admin.execute("DROP USER IF EXISTS '\(user)'@'localhost'") }

        var config = seeded.config
        config.user = user
        config.password = password
        let reporter = try Connection(config: config)

        // Every statement of every report file runs; together they return rows.
        let directory = Self.projectDirectory.appendingPathComponent("sql/reports")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count >= 5)
        var statements = 0
        var rows = 0
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for statement in MigrationFile.statements(in: text) {
                do { rows += try reporter.query(statement).count } catch { Issue.record("\(file): \(error)\n\(statement)") }
                statements += 1
            }
        }
        #expect(statements >= 12)
        #expect(rows >= 20)

        // Only the views are visible; tables, hashes, tokens and other databases are refused.
        let visible = try reporter.query("SHOW TABLES").map { try $0.string($0.columns[0]) }
        #expect(!visible.isEmpty && visible.allSatisfy { $0.hasPrefix("report_") }, "\(visible)")
        for sql in ["SELECT password_hash FROM users", "SELECT COUNT(*) FROM users", "SELECT * FROM refresh_tokens",
                    "SELECT token_hash FROM refresh_tokens", "SELECT mfa_secret FROM users", "SELECT * FROM subscriptions",
                    "SELECT * FROM mfa_recovery_codes", "SELECT * FROM mysql.user", "UPDATE users SET plan = 'business'",
                    "CREATE VIEW report_mine AS SELECT password_hash FROM users"] {
            #expect(throws: MariaDBError.self, "\(sql)") { try reporter.query(sql) }
        }
        // And no view leaks a secret: the seeded hashes appear in no view's rows.
        for view in visible {
            for row in try reporter.query("SELECT * FROM `\(view)`") {
                for name in row.columns {
                    if case .text(let value) = try row.value(name) { #expect(!value.contains("argon2id"), "\(view).\(name)") }
                }
            }
        }
    }
}
