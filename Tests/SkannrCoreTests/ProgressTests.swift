// Levels at their boundaries, XP idempotence, streaks across month and year ends, achievements.
import Foundation
import Testing
@testable import SkannrCore

@Suite("Levels and XP")
struct LevelTests {
    @Test("levels change exactly at the curve's thresholds", arguments: [
        (0, 1, 100), (99, 1, 100), (100, 2, 300), (299, 2, 300), (300, 3, 600), (599, 3, 600),
        (600, 4, 1000), (1000, 5, 1500), (4_950_000, 315, 4_977_000), (4_977_000, 316, 5_008_600), (-5, 1, 100),
    ])
    func boundaries(xp: Int, level: Int, next: Int) {
        let progress = Levels.levelFor(xp: xp)
        #expect(progress.level == level)
        #expect(progress.nextLevelAt == next)
        #expect(progress.xpToNextLevel == next - max(0, xp))
    }

    @Test("the level is monotonic and thresholds match xpRequired")
    func monotonic() {
        var last = 1
        for xp in stride(from: 0, through: 200_000, by: 37) {
            let level = Levels.levelFor(xp: xp).level
            #expect(level >= last)
            #expect(Levels.xpRequired(forLevel: level) <= xp && xp < Levels.xpRequired(forLevel: level + 1))
            last = level
        }
    }

    @Test("an award's key names its event only, so the same event applied twice is one row")
    func idempotenceKeys() {
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(XPRules.scanCompleted(scanID: 31) == XPRules.scanCompleted(scanID: 31))
        #expect(XPRules.scanCompleted(scanID: 31).key == "scan_completed:31")
        #expect(XPRules.scanCompleted(scanID: 32).key != XPRules.scanCompleted(scanID: 31).key)
        // The speed bonus changes the amount, never the key.
        let quick = XPRules.alertResolved(alertID: 5, severity: .critical, createdAt: created, resolvedAt: created)
        let late = XPRules.alertResolved(alertID: 5, severity: .critical, createdAt: created, resolvedAt: created.addingTimeInterval(90_000))
        #expect(quick.key == "alert_resolved:5" && late.key == quick.key && quick.amount != late.amount)
        #expect(XPRules.firstTarget().key == "first_target" && XPRules.mfaEnabled().key == "mfa_enabled")
        let award = XPRules.achievement(Achievements.catalogue[0])
        #expect(award.key == "achievement:\(Achievements.catalogue[0].key)" && award.amount == Achievements.catalogue[0].xp)
    }

    @Test("resolving a critical alert quickly earns a bonus")
    func resolutionBonus() {
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(XPRules.alertResolved(alertID: 5, severity: .critical, createdAt: created, resolvedAt: created.addingTimeInterval(3600)).amount == 70)
        #expect(XPRules.alertResolved(alertID: 5, severity: .critical, createdAt: created, resolvedAt: created.addingTimeInterval(90_000)).amount == 20)
        #expect(XPRules.alertResolved(alertID: 6, severity: .low, createdAt: created, resolvedAt: created).amount == 20)
    }

    @Test("streak milestones are awarded once each")
    func milestones() {
        let seven = XPRules.streakMilestones(reached: 7)
        #expect(seven.map(\.key) == ["streak_milestone:3", "streak_milestone:7"])
        #expect(seven.map(\.amount) == [20, 50])
        // A longer streak repeats the earlier milestones with the same keys (stored once each).
        #expect(XPRules.streakMilestones(reached: 14).map(\.key) == seven.map(\.key) + ["streak_milestone:14"])
        #expect(XPRules.streakMilestones(reached: 2).isEmpty)
    }
}

@Suite("Streaks")
struct StreakTests {
    func at(_ y: Int, _ m: Int, _ d: Int, hour: Double = 12) -> Date {
        UTCDay(year: y, month: m, day: d).startDate.addingTimeInterval(hour * 3600)
    }

    @Test("UTC days convert to and from civil dates across leap years")
    func civil() {
        #expect(UTCDay(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(UTCDay(year: 2024, month: 2, day: 29).description == "2024-02-29")
        #expect(UTCDay(year: 2024, month: 2, day: 28).adding(days: 1).description == "2024-02-29")
        #expect(UTCDay(year: 2023, month: 2, day: 28).adding(days: 1).description == "2023-03-01")
        #expect(UTCDay(year: 2025, month: 12, day: 31).adding(days: 1).description == "2026-01-01")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_917_029)) == "2026-11-29T01:50:29Z")
    }

    @Test("a streak runs across a year end")
    func yearEnd() {
        let scans = [at(2025, 12, 30), at(2025, 12, 31), at(2026, 1, 1), at(2026, 1, 2)]
        let streak = Streaks.compute(completedScans: scans, now: at(2026, 1, 2, hour: 20))
        #expect(streak == Streak(current: 4, best: 4, lastScanOn: UTCDay(year: 2026, month: 1, day: 2), atRisk: false))
        #expect(streak.lastScanOn?.description == "2026-01-02")
    }

    @Test("a streak runs across a month end and is at risk the next day")
    func monthEnd() {
        let scans = [at(2026, 2, 27), at(2026, 2, 28), at(2026, 3, 1)]
        let streak = Streaks.compute(completedScans: scans, now: at(2026, 3, 2, hour: 8))
        #expect(streak.current == 3 && streak.atRisk)
    }

    @Test("a gap resets the current streak but keeps the best")
    func gap() {
        let scans = [at(2026, 5, 1), at(2026, 5, 2), at(2026, 5, 3), at(2026, 5, 5)]
        let streak = Streaks.compute(completedScans: scans, now: at(2026, 5, 5))
        #expect(streak.current == 1 && streak.best == 3 && !streak.atRisk)
        let broken = Streaks.compute(completedScans: scans, now: at(2026, 5, 7))
        #expect(broken.current == 0 && broken.best == 3 && !broken.atRisk)
    }

    @Test("two scans on one day count once and days are UTC")
    func duplicatesAndUTC() {
        let scans = [at(2026, 6, 1, hour: 0.01), at(2026, 6, 1, hour: 23.99), at(2026, 6, 2, hour: 0)]
        let streak = Streaks.compute(completedScans: scans, now: at(2026, 6, 2, hour: 1))
        #expect(streak.current == 2 && streak.best == 2)
    }

    @Test("no scans and future-dated scans give a zero streak")
    func empty() {
        #expect(Streaks.compute(completedScans: [], now: at(2026, 1, 1)) == Streak(current: 0, best: 0, lastScanOn: nil, atRisk: false))
        #expect(Streaks.compute(completedScans: [at(2026, 1, 5)], now: at(2026, 1, 1)).current == 0)
    }
}

@Suite("Achievements")
struct AchievementTests {
    @Test("the catalogue has at least 12 unique achievements with XP")
    func catalogue() {
        #expect(Achievements.catalogue.count >= 12)
        #expect(Set(Achievements.catalogue.map(\.key)).count == Achievements.catalogue.count)
        #expect(Achievements.catalogue.allSatisfy { $0.xp > 0 && !$0.name.isEmpty && !$0.description.isEmpty })
    }

    @Test("a new account has earned nothing")
    func nothing() { #expect(Achievements.earned(from: AchievementFacts()).isEmpty) }

    @Test("facts earn exactly the matching achievements")
    func earned() {
        var facts = AchievementFacts()
        facts.targetCount = 1
        facts.completedScans = 1
        facts.criticalOpenPorts = 2
        #expect(Achievements.earned(from: facts) == ["first_target", "first_scan"])
        facts.criticalOpenPorts = 0
        facts.mfaEnabled = true
        facts.bestStreak = 7
        facts.grade = "A"
        facts.plan = .pro
        facts.hasCompletedFullScan = true
        facts.fastestCriticalResolution = 3600
        #expect(Achievements.earned(from: facts) == ["first_target", "first_scan", "zero_critical", "mfa_enabled", "streak_7",
                                                      "grade_a", "upgraded_plan", "full_range_scan", "quick_responder"])
    }

    @Test("ten alerts resolved within 24 hours is detected with a sliding window")
    func tenInADay() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let within = (0..<10).map { start.addingTimeInterval(Double($0) * 8_000) }
        #expect(Achievements.maxResolvedWithinADay(within) == 10)
        let spread = (0..<10).map { start.addingTimeInterval(Double($0) * 10_000) }
        #expect(Achievements.maxResolvedWithinADay(spread) == 9)
        #expect(Achievements.maxResolvedWithinADay([]) == 0)
    }
}
