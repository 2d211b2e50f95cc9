// Facts for the score, streak and achievements, read from SQL with bounded queries: counts stop at
// the threshold they feed (LIMIT inside a derived table), the response category reads at most
// `overdueLimit` overdue alerts per severity (index alerts_user_overdue; the category is 0 long
// before that), resolutions are read for the last 24 hours only (index alerts_user_resolved).
// Trap: "latest completed scan per target" is by scan id (scans_target_status), as TargetRecord does.
import Foundation
import MariaDB
import SkannrCore

enum ProgressFacts {
    static let overdueLimit = 100

    /// UTC days (days since 1970-01-01) with at least one completed scan; TO_DAYS of the UTC DATETIME.
    static func scanDays(accountID: Int64, _ db: Connection) throws -> [UTCDay] {
        try db.query("""
            SELECT DISTINCT TO_DAYS(finished_at) - 719528 AS d FROM scans
            WHERE user_id = ? AND status = 'completed' AND finished_at IS NOT NULL
            """, [.int(accountID)]).map { UTCDay(daysSinceEpoch: Int(try $0.int("d"))) }
    }

    struct TargetLatest {
        var facts: ScoreInput.TargetFacts
        var type: String
        var latestScanID: Int64?
    }

    static func targets(accountID: Int64, _ db: Connection) throws -> [TargetLatest] {
        try db.query("""
            SELECT t.address, t.address_type, t.enabled, t.interval_minutes,
                (SELECT s.id FROM scans s WHERE s.target_id = t.id AND s.status = 'completed' ORDER BY s.id DESC LIMIT 1) AS scan_id,
                (SELECT s.finished_at FROM scans s WHERE s.target_id = t.id AND s.status = 'completed' ORDER BY s.id DESC LIMIT 1) AS finished_at
            FROM targets t WHERE t.user_id = ? ORDER BY t.id
            """, [.int(accountID)]).map { row in
            TargetLatest(
                facts: ScoreInput.TargetFacts(address: try row.string("address"), enabled: try row.bool("enabled"),
                                              intervalMinutes: try row.optionalInt("interval_minutes").map { Int($0) },
                                              lastScanAt: try row.optionalDate("finished_at")),
                type: try row.string("address_type"), latestScanID: try row.optionalInt("scan_id"))
        }
    }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    static func openPorts(scanIDs: [Int64], _ db: Connection) throws -> [ScoreInput.ExposedPort] {
        guard !scanIDs.isEmpty else { return [] }
        return try db.query(
            "SELECT host, port FROM port_results WHERE scan_id IN (\(placeholders(scanIDs.count))) AND state = 'open'",
            scanIDs.map { .int($0) }).map { ScoreInput.ExposedPort(host: try $0.string("host"), port: UInt16(clamping: try $0.int("port"))) }
    }

    static func certificates(scanIDs: [Int64], _ db: Connection) throws -> [ScoreInput.Certificate] {
        guard !scanIDs.isEmpty else { return [] }
        return try db.query("""
            SELECT p.host, p.port, c.not_after, c.self_signed, c.version FROM tls_certificates c
            JOIN port_results p ON p.id = c.port_result_id WHERE c.scan_id IN (\(placeholders(scanIDs.count)))
            """, scanIDs.map { .int($0) }).map { row in
            ScoreInput.Certificate(host: try row.string("host"), port: UInt16(clamping: try row.int("port")),
                                   notAfter: try row.date("not_after"), selfSigned: try row.bool("self_signed"),
                                   version: try row.string("version"))
        }
    }

    /// Unresolved alerts past their response deadline (ScoreRules), oldest first, per severity.
    static func overdueAlerts(accountID: Int64, _ db: Connection, now: Date) throws -> [ScoreInput.AlertFacts] {
        var out: [ScoreInput.AlertFacts] = []
        for (severity, hours) in [(Severity.critical, 24.0), (.high, 72), (.medium, 168)] {
            let rows = try db.query("""
                SELECT title, created_at, acknowledged_at FROM alerts FORCE INDEX (alerts_user_overdue)
                WHERE user_id = ? AND status IN ('open', 'acknowledged') AND severity = ? AND created_at < ?
                ORDER BY created_at LIMIT ?
                """, [.int(accountID), .text(severity.rawValue), .date(now.addingTimeInterval(-hours * 3600)), .int(Int64(overdueLimit))])
            for row in rows {
                out.append(ScoreInput.AlertFacts(title: try row.string("title"), severity: severity, createdAt: try row.date("created_at"),
                                                 acknowledgedAt: try row.optionalDate("acknowledged_at")))
            }
        }
        return out
    }

    static func user(accountID: Int64, _ db: Connection) throws -> (mfa: Bool, plan: Plan) {
        guard let row = try db.queryOne("SELECT mfa_enabled, plan FROM users WHERE id = ?", [.int(accountID)]) else {
            throw StoreError.accountNotFound
        }
        return (try row.bool("mfa_enabled"), Plan(rawValue: try row.string("plan")) ?? .free)
    }

    /// The score's input and the targets it was built from.
    static func scoreInput(accountID: Int64, _ db: Connection, now: Date) throws -> (ScoreInput, [TargetLatest]) {
        let targets = try targets(accountID: accountID, db)
        let scanIDs = targets.compactMap(\.latestScanID)
        let input = ScoreInput(
            openPorts: try openPorts(scanIDs: scanIDs, db), certificates: try certificates(scanIDs: scanIDs, db),
            alerts: try overdueAlerts(accountID: accountID, db, now: now), targets: targets.map(\.facts),
            mfaEnabled: try user(accountID: accountID, db).mfa, now: now)
        return (input, targets)
    }

    /// min(COUNT, cap) without counting past the cap.
    static func count(_ db: Connection, cap: Int, _ sql: String, _ params: [SQLValue]) throws -> Int {
        Int(try db.queryOne("SELECT COUNT(*) AS n FROM (\(sql) LIMIT \(cap)) AS capped", params)?.int("n") ?? 0)
    }

    static func achievementFacts(accountID: Int64, _ db: Connection, now: Date) throws -> AchievementFacts {
        let account = [SQLValue.int(accountID)]
        let (input, targets) = try scoreInput(accountID: accountID, db, now: now)
        var f = AchievementFacts()
        f.targetCount = targets.count
        f.hasCIDRTarget = targets.contains { $0.type == "cidr" }
        f.completedScans = try count(db, cap: 100, "SELECT 1 FROM scans WHERE user_id = ? AND status = 'completed'", account)
        f.hasCompletedFullScan = try count(db, cap: 1, """
            SELECT 1 FROM scans WHERE user_id = ? AND status = 'completed' AND ports_per_host >= 65535
            """, account) > 0
        f.resolvedAlerts = try count(db, cap: 1, "SELECT 1 FROM alerts WHERE user_id = ? AND resolved_at IS NOT NULL", account)
        // Evaluated at each resolution, so the 24 hours up to now cover every sliding window.
        let recent = try db.query("""
            SELECT resolved_at, created_at, severity FROM alerts FORCE INDEX (alerts_user_resolved)
            WHERE user_id = ? AND resolved_at > ? ORDER BY resolved_at DESC LIMIT 1000
            """, account + [.date(now.addingTimeInterval(-86_400))])
        var resolvedTimes: [Date] = []
        for row in recent {
            let resolved = try row.date("resolved_at")
            resolvedTimes.append(resolved)
            if try row.string("severity") == Severity.critical.rawValue {
                let took = resolved.timeIntervalSince(try row.date("created_at"))
                f.fastestCriticalResolution = min(f.fastestCriticalResolution ?? took, took)
            }
        }
        f.maxResolvedWithinADay = Achievements.maxResolvedWithinADay(resolvedTimes)
        let user = try user(accountID: accountID, db)
        f.mfaEnabled = user.mfa
        f.plan = user.plan
        f.bestStreak = Streaks.compute(days: try scanDays(accountID: accountID, db), today: UTCDay(now)).best
        f.criticalOpenPorts = input.openPorts.filter { ServiceRisk.of(port: $0.port).severity == .critical }.count
        // Grade A counts only once something was scanned: an unscanned target has nothing to deduct.
        f.grade = f.completedScans >= 1 ? ScoreRules.score(input).grade : nil
        f.level = Levels.levelFor(xp: try ProgressStore.totalXP(accountID: accountID, db)).level
        return f
    }
}
