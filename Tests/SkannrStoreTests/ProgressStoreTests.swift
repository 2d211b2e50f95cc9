// ProgressStore and ProgressReads against a real database: each event awards once however often it
// is applied, achievements are stored once with earned_at, the streak comes from completed scans'
// UTC days across month and year ends, and the score reads the latest completed scan per target.
import Foundation
import MariaDB
import SkannrCore
@testable import SkannrStore
import Testing
import TestSupport

@Suite("Progress store", .needsDatabase)
struct ProgressStoreTests {
    let f: ProgressFixture
    init() throws { f = try ProgressFixture() }

    @Test("the same scan completion applied twice awards its XP and achievements once")
    func scanIdempotent() throws {
        let account = try f.account()
        let target = try f.target(account)
        let now = Date()
        let scan = try f.scan(account, target: target, finished: now, open: [443])
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: scan, now: now)
        let xp = try f.xp(account)
        let earned = try f.achievements(account)
        try f.db.transaction { db in try ProgressStore.scanCompleted(connection: db, accountID: account, scanID: scan, now: now.addingTimeInterval(5)) }
        #expect(try f.xp(account) == xp)
        #expect(try f.achievements(account) == earned)
        #expect(try f.xpRows(account, key: "scan_completed:\(scan)") == 1)
        // scan 10 + first_scan 25 + first_target 25 + grade_a 150 (96: only MFA off) + zero_critical 100 (443 is low)
        #expect(earned.keys.sorted() == ["first_scan", "first_target", "grade_a", "zero_critical"])
        #expect(xp == 10 + 25 + 25 + 150 + 100)
        #expect(try f.xpRows(account, key: "achievement:first_scan") == 1)
    }

    @Test("a critical port open in the latest scan withholds zero_critical; closing it in a later scan earns it")
    func zeroCritical() throws {
        let account = try f.account()
        let target = try f.target(account)
        let t0 = Date().addingTimeInterval(-7200)
        let first = try f.scan(account, target: target, finished: t0, open: [22, 3389])
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: first, now: t0)
        #expect(try f.achievements(account)["zero_critical"] == nil)
        let second = try f.scan(account, target: target, finished: t0.addingTimeInterval(3600), open: [22])
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: second, now: t0.addingTimeInterval(3600))
        let earnedAt = try #require(try f.achievements(account)["zero_critical"])
        #expect(abs(earnedAt.timeIntervalSince(t0.addingTimeInterval(3600))) < 0.001)
    }

    @Test("a full-range scan earns full_range_scan")
    func fullRange() throws {
        let account = try f.account()
        let target = try f.target(account)
        let scan = try f.scan(account, target: target, finished: Date(), portsPerHost: 65535)
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: scan, now: Date())
        #expect(try f.achievements(account)["full_range_scan"] != nil)
    }

    @Test("streak across a year end and a month end, a gap, two scans in one day")
    func streakAcrossYearEnd() throws {
        let account = try f.account()
        let target = try f.target(account)
        // 2025-12-29 .. 2026-01-02 (5 days, one with two scans), gap, 2026-01-30 .. 2026-02-01 (3 days).
        let days = [day(2025, 12, 29), day(2025, 12, 30), day(2025, 12, 31, hour: 23.99), day(2026, 1, 1, hour: 0.01),
                    day(2026, 1, 1, hour: 20), day(2026, 1, 2), day(2026, 1, 30), day(2026, 1, 31), day(2026, 2, 1, hour: 0)]
        for d in days { try f.scan(account, target: target, finished: d) }
        let reads = ProgressReads(connection: f.db)
        let onDay = try reads.streak(accountID: account, now: day(2026, 2, 1, hour: 18))
        #expect(onDay.current == 3 && onDay.best == 5 && !onDay.atRisk)
        #expect(onDay.lastScanOn == UTCDay(year: 2026, month: 2, day: 1))
        let nextDay = try reads.streak(accountID: account, now: day(2026, 2, 2, hour: 9))
        #expect(nextDay.current == 3 && nextDay.atRisk)
        let lapsed = try reads.streak(accountID: account, now: day(2026, 2, 3))
        #expect(lapsed.current == 0 && lapsed.best == 5 && !lapsed.atRisk)
        #expect(lapsed.lastScanOn?.description == "2026-02-01")
        // A scan completing now awards the 3-day milestone (best 5 >= 3) once.
        let scan = try f.scan(account, target: target, finished: day(2026, 2, 2))
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: scan, now: day(2026, 2, 2))
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: scan, now: day(2026, 2, 2))
        #expect(try f.xpRows(account, key: "streak_milestone:3") == 1)
        #expect(try f.xpRows(account, key: "streak_milestone:7") == 0)
        #expect(try f.achievements(account)["streak_7"] == nil)
    }

    @Test("seven consecutive days earn streak_7 and the 7-day milestone")
    func sevenDays() throws {
        let account = try f.account()
        let target = try f.target(account)
        var last: Int64 = 0
        for d in 25...31 { last = try f.scan(account, target: target, finished: day(2026, 3, d)) }
        try ProgressStore.scanCompleted(connection: f.db, accountID: account, scanID: last, now: day(2026, 3, 31))
        #expect(try f.achievements(account)["streak_7"] != nil)
        #expect(try f.xpRows(account, key: "streak_milestone:7") == 1)
        #expect(try f.xpRows(account, key: "streak_milestone:3") == 1)
    }

    @Test("resolving a critical alert within an hour gives the fast bonus and quick_responder, once")
    func fastCritical() throws {
        let account = try f.account()
        let target = try f.target(account)
        let scan = try f.scan(account, target: target, finished: Date())
        let id = try f.alert(account, target: target, scan: scan, severity: "critical", created: Date().addingTimeInterval(-600))
        let store = AlertStore(connection: f.db)
        _ = try store.resolve(accountID: account, id: id, now: Date())
        _ = try store.resolve(accountID: account, id: id, now: Date())
        let row = try #require(try f.db.queryOne("SELECT xp FROM xp_events WHERE user_id = ? AND event_key = ?",
                                                 [.int(account), .text("alert_resolved:\(id)")]))
        #expect(try row.int("xp") == 70)
        let earned = try f.achievements(account)
        #expect(earned["quick_responder"] != nil && earned["first_alert_resolved"] != nil)
        #expect(try f.xpRows(account, key: "achievement:quick_responder") == 1)
    }

    @Test("ten resolutions within 24 hours earn ten_resolved_in_a_day at the tenth")
    func tenInADay() throws {
        let account = try f.account()
        let target = try f.target(account)
        let scan = try f.scan(account, target: target, finished: Date())
        let store = AlertStore(connection: f.db)
        for i in 0..<10 {
            let id = try f.alert(account, target: target, scan: scan, severity: "low", port: 2000 + i)
            #expect(try f.achievements(account)["ten_resolved_in_a_day"] == nil)
            _ = try store.resolve(accountID: account, id: id, now: Date())
        }
        #expect(try f.achievements(account)["ten_resolved_in_a_day"] != nil)
    }

    @Test("first target, MFA and plan upgrade events award once each")
    func otherEvents() throws {
        let account = try f.account()
        _ = try f.target(account)
        for _ in 0..<2 { try ProgressStore.targetCreated(connection: f.db, accountID: account, now: Date()) }
        #expect(try f.xpRows(account, key: "first_target") == 1)
        #expect(try f.achievements(account)["first_target"] != nil)
        #expect(try f.achievements(account)["grade_a"] == nil)   // nothing scanned yet: no grade A

        try ProgressStore.mfaEnabled(connection: f.db, accountID: account, now: Date())
        #expect(try f.xpRows(account, key: "mfa_enabled") == 1)   // the event's XP ...
        #expect(try f.achievements(account)["mfa_enabled"] == nil) // ... the achievement needs users.mfa_enabled
        try f.db.execute("UPDATE users SET mfa_enabled = TRUE, plan = 'pro' WHERE id = ?", [.int(account)])
        try ProgressStore.mfaEnabled(connection: f.db, accountID: account, now: Date())
        try ProgressStore.planUpgraded(connection: f.db, accountID: account, now: Date())
        try ProgressStore.planUpgraded(connection: f.db, accountID: account, now: Date())
        let earned = try f.achievements(account)
        #expect(earned["mfa_enabled"] != nil && earned["upgraded_plan"] != nil)
        #expect(try f.xpRows(account, key: "mfa_enabled") == 1)
        #expect(try f.xpRows(account, key: "achievement:upgraded_plan") == 1)
        // 50 first_target + 25 achievement + 100 mfa + 50 achievement + 50 upgraded
        #expect(try f.xp(account) == 275)
        #expect(try ProgressReads(connection: f.db).achievements(accountID: account).filter { $0.earnedAt != nil }.count == 3)
    }

    @Test("the score reads the latest completed scan per target, overdue alerts, MFA and coverage")
    func score() throws {
        let account = try f.account(mfa: true)
        let reads = ProgressReads(connection: f.db)
        let empty = try reads.score(accountID: account, now: Date())
        #expect(empty.score.score == 80 && empty.score.grade == "B")
        #expect(empty.level.level == 1 && empty.level.nextLevelAt == 100)

        let target = try f.target(account)
        let now = Date()
        try f.scan(account, target: target, finished: now.addingTimeInterval(-7200), open: [23, 445])
        let latest = try f.scan(account, target: target, finished: now.addingTimeInterval(-3600), open: [22, 443, 3389])
        try f.alert(account, target: target, scan: latest, severity: "critical", status: "acknowledged",
                    created: now.addingTimeInterval(-30 * 3600))
        try f.alert(account, target: target, scan: latest, severity: "critical", status: "resolved",
                    created: now.addingTimeInterval(-90 * 3600))
        let report = try reads.score(accountID: account, now: now)
        let exposure = try #require(report.score.categories.first { $0.key == "exposure" })
        #expect(exposure.details == ["-3: 22/tcp (SSH) open on 203.0.113.10", "-15: 3389/tcp (RDP) open on 203.0.113.10"])
        let response = try #require(report.score.categories.first { $0.key == "response" })
        #expect(response.score == 90 && response.details.count == 1)
        // (40·82 + 20·100 + 20·90 + 20·100) / 100 = 90.8 -> 91
        #expect(report.score.score == 91 && report.score.grade == "A")
    }

    @Test("the TLS category reads the certificates of each target's latest completed scan, not older scans or other accounts")
    func tlsLatestScanOnly() throws {
        let account = try f.account()
        let target = try f.target(account)
        let now = Date()
        let older = try f.scan(account, target: target, finished: now.addingTimeInterval(-7200), open: [443])
        try f.certificate(scan: older, port: 443, notAfter: now.addingTimeInterval(-86_400))
        let latest = try f.scan(account, target: target, finished: now.addingTimeInterval(-3600), open: [443])
        try f.certificate(scan: latest, port: 443, notAfter: now.addingTimeInterval(10 * 86_400), selfSigned: true)
        let other = try f.account()
        let otherTarget = try f.target(other)
        try f.certificate(scan: try f.scan(other, target: otherTarget, finished: now, open: [443]), port: 443,
                          notAfter: now.addingTimeInterval(-86_400))

        let report = try ProgressReads(connection: f.db).score(accountID: account, now: now)
        let tls = try #require(report.score.categories.first { $0.key == "tls" })
        #expect(tls.details == ["-15: certificate on 203.0.113.10:443 expires within 14 days",
                                "-10: certificate on 203.0.113.10:443 is self-signed"])
    }

    @Test("ports stored for a host that accepts every connection do not count as exposure")
    func acceptsAllHostIsNotExposure() throws {
        let account = try f.account()
        let target = try f.target(account)
        let now = Date()
        let scan = try f.scan(account, target: target, finished: now.addingTimeInterval(-60), open: [23, 3389])
        try f.db.execute("""
            INSERT INTO scan_hosts (scan_id, host, host_key, state, open_count, accepts_all) VALUES (?, ?, ?, 'up', 2, TRUE)
            """, [.int(scan), .text("203.0.113.10"), .blob(HostKey.bytes(for: "203.0.113.10"))])
        let exposure = try #require(try ProgressReads(connection: f.db).score(accountID: account, now: now)
            .score.categories.first { $0.key == "exposure" })
        #expect(exposure.details.isEmpty && exposure.score == 100)

        try f.db.execute("UPDATE scan_hosts SET accepts_all = FALSE WHERE scan_id = ?", [.int(scan)])
        let counted = try #require(try ProgressReads(connection: f.db).score(accountID: account, now: now)
            .score.categories.first { $0.key == "exposure" })
        #expect(counted.details.count == 2)
    }
}
