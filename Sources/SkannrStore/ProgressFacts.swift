// Facts for the score, streak and achievements, read from SQL with bounded queries: counts stop at
// the threshold they feed (LIMIT inside a derived table), the response category reads at most
// `overdueLimit` overdue alerts per severity (index alerts_user_overdue; the category is 0 long
// before that), resolutions are read for the last 24 hours only (index alerts_user_resolved).
// "Latest completed scan per target" is targets.last_scan_id/last_scan_at, which the runner sets in
// the transaction that completes the scan (before ProgressStore runs), as TargetRecord reads them.
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
    }

    static func targets(accountID: Int64, _ db: Connection) throws -> [TargetLatest] {
        try db.query("""
            SELECT address, address_type, enabled, interval_minutes, last_scan_at FROM targets WHERE user_id = ? ORDER BY id
            """, [.int(accountID)]).map { row in
            TargetLatest(
                facts: ScoreInput.TargetFacts(address: try row.string("address"), enabled: try row.bool("enabled"),
                                              intervalMinutes: try row.optionalInt("interval_minutes").map { Int($0) },
                                              lastScanAt: try row.optionalDate("last_scan_at")),
                type: try row.string("address_type"))
        }
    }

    /// Open ports of each target's latest completed scan (port_results_scan_state per target). A host
    /// that accepts every connection (tarpit, SYN proxy) is left out: its few stored "open" ports say
    /// nothing about services, and its own info alert already tells the user.
    static func openPorts(accountID: Int64, _ db: Connection) throws -> [ScoreInput.ExposedPort] {
        try db.query("""
            SELECT p.host, p.port, EXISTS (SELECT 1 FROM alerts a WHERE a.target_id = t.id AND a.status = 'accepted'
                AND a.type = 'new_port' AND a.host = p.host AND a.port = p.port) AS accepted
            FROM targets t JOIN port_results p ON p.scan_id = t.last_scan_id
            WHERE t.user_id = ? AND p.state = 'open' AND NOT EXISTS (SELECT 1 FROM scan_hosts h
                WHERE h.scan_id = p.scan_id AND h.host_key = p.host_key AND h.accepts_all)
            """, [.int(accountID)]).map {
            ScoreInput.ExposedPort(host: try $0.string("host"), port: UInt16(clamping: try $0.int("port")), accepted: try $0.bool("accepted"))
        }
    }

    /// Certificates of each target's latest completed scan (tls_certificates_scan per target).
    static func certificates(accountID: Int64, _ db: Connection) throws -> [ScoreInput.Certificate] {
        try db.query("""
            SELECT p.host, p.port, c.not_after, c.self_signed, c.version FROM targets t
            JOIN tls_certificates c ON c.scan_id = t.last_scan_id JOIN port_results p ON p.id = c.port_result_id
            WHERE t.user_id = ?
            """, [.int(accountID)]).map { row in
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

    /// The score's input, the targets it was built from and the account's plan (read with MFA).
    static func scoreInput(accountID: Int64, _ db: Connection, now: Date) throws -> (ScoreInput, [TargetLatest], Plan) {
        let targets = try targets(accountID: accountID, db)
        let user = try user(accountID: accountID, db)
        let input = ScoreInput(
            openPorts: try openPorts(accountID: accountID, db), certificates: try certificates(accountID: accountID, db),
            alerts: try overdueAlerts(accountID: accountID, db, now: now), targets: targets.map(\.facts),
            mfaEnabled: user.mfa, now: now)
        return (input, targets, user.plan)
    }

    /// min(COUNT, cap) without counting past the cap.
    static func count(_ db: Connection, cap: Int, _ sql: String, _ params: [SQLValue]) throws -> Int {
        Int(try db.queryOne("SELECT COUNT(*) AS n FROM (\(sql) LIMIT \(cap)) AS capped", params)?.int("n") ?? 0)
    }

    /// `scanDays`: the days the caller already read (scanCompleted), else they are read here.
    static func achievementFacts(accountID: Int64, _ db: Connection, now: Date, scanDays days: [UTCDay]? = nil) throws -> AchievementFacts {
        let account = [SQLValue.int(accountID)]
        let (input, targets, plan) = try scoreInput(accountID: accountID, db, now: now)
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
        f.mfaEnabled = input.mfaEnabled
        f.plan = plan
        f.bestStreak = Streaks.compute(days: try days ?? scanDays(accountID: accountID, db), today: UTCDay(now)).best
        f.criticalOpenPorts = input.openPorts.filter { ServiceRisk.of(port: $0.port).severity == .critical }.count
        // Grade A counts only once something was scanned: an unscanned target has nothing to deduct.
        f.grade = f.completedScans >= 1 ? ScoreRules.score(input).grade : nil
        f.level = Levels.levelFor(xp: try ProgressStore.totalXP(accountID: accountID, db)).level
        return f
    }
}
