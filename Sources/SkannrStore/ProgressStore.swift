// The ONE place that awards XP and achievements. Each event inserts its XPRules awards (INSERT
// IGNORE on UNIQUE(user_id, event_key): a re-delivered event or a retried scan write awards nothing
// twice), then evaluates the achievement catalogue on facts read from SQL and inserts the new ones
// (INSERT IGNORE on PK(user_id, achievement_key)) each with its own `achievement:<key>` XP row.
// Every event runs in a transaction (joining the caller's, e.g. the runner's write-back).
import Foundation
import MariaDB
import SkannrCore

public enum ProgressStore {
    /// After a scan completed: call inside the write-back transaction AFTER the scan row is
    /// `completed` (with finished_at), so counts, streak days and the latest scans include it.
    public static func scanCompleted(connection: Connection, accountID: Int64, scanID: Int64, now: Date) throws {
        try connection.transaction { db in
            try award(XPRules.scanCompleted(scanID: scanID), accountID: accountID, db, now: now)
            let days = try ProgressFacts.scanDays(accountID: accountID, db)
            let streak = Streaks.compute(days: days, today: UTCDay(now))
            for milestone in XPRules.streakMilestones(reached: streak.best) {
                try award(milestone, accountID: accountID, db, now: now)
            }
            try evaluateAchievements(accountID: accountID, db, now: now, scanDays: days)
        }
    }

    /// After an alert changed to resolved (AlertStore.resolve calls it in its transaction).
    public static func alertResolved(connection: Connection, accountID: Int64, alert: AlertRecord, now: Date) throws {
        try connection.transaction { db in
            try award(XPRules.alertResolved(alertID: alert.id, severity: alert.severity, createdAt: alert.createdAt,
                                            resolvedAt: alert.resolvedAt ?? now), accountID: accountID, db, now: now)
            try evaluateAchievements(accountID: accountID, db, now: now)
        }
    }

    /// After a target was created (the first one earns `first_target` XP; counts feed achievements).
    public static func targetCreated(connection: Connection, accountID: Int64, now: Date) throws {
        try connection.transaction { db in
            try award(XPRules.firstTarget(), accountID: accountID, db, now: now)
            try evaluateAchievements(accountID: accountID, db, now: now)
        }
    }

    /// After MFA was enabled (users.mfa_enabled already true in this transaction). Awarded once ever:
    /// turning MFA off and on again gives nothing more.
    public static func mfaEnabled(connection: Connection, accountID: Int64, now: Date) throws {
        try connection.transaction { db in
            try award(XPRules.mfaEnabled(), accountID: accountID, db, now: now)
            try evaluateAchievements(accountID: accountID, db, now: now)
        }
    }

    /// After users.plan changed (billing's webhook or change-plan). A paid plan earns `upgraded_plan`
    /// once; a downgrade takes nothing back. The plan is read from users, not from the argument.
    public static func planUpgraded(connection: Connection, accountID: Int64, now: Date) throws {
        try connection.transaction { db in
            try evaluateAchievements(accountID: accountID, db, now: now)
        }
    }

    /// Inserts the award unless its key was awarded before; true when it was new.
    @discardableResult
    static func award(_ award: XPAward, accountID: Int64, _ db: Connection, now: Date) throws -> Bool {
        try db.execute("""
            INSERT IGNORE INTO xp_events (user_id, kind, event_key, xp, created_at) VALUES (?, ?, ?, ?, ?)
            """, [.int(accountID), .text(award.kind.rawValue), .text(award.key), .int(Int64(award.amount)), .date(now)]).affectedRows > 0
    }

    /// Awards every achievement the facts satisfy and the account does not have yet; a second pass
    /// picks up `level_5` reached by the XP of the first. Returns the keys earned by this call.
    @discardableResult
    static func evaluateAchievements(accountID: Int64, _ db: Connection, now: Date, scanDays: [UTCDay]? = nil) throws -> [String] {
        var facts = try ProgressFacts.achievementFacts(accountID: accountID, db, now: now, scanDays: scanDays)
        var have = try earnedKeys(accountID: accountID, db)
        var earnedNow: [String] = []
        for _ in 0..<2 {
            let new = Achievements.earned(from: facts).subtracting(have)
            guard !new.isEmpty else { break }
            have.formUnion(new)  // inserted now, or by a concurrent transaction (INSERT IGNORE found it)
            for achievement in Achievements.catalogue where new.contains(achievement.key) {
                let inserted = try db.execute(
                    "INSERT IGNORE INTO achievements (user_id, achievement_key, earned_at) VALUES (?, ?, ?)",
                    [.int(accountID), .text(achievement.key), .date(now)]).affectedRows > 0
                if inserted {
                    try award(XPRules.achievement(achievement), accountID: accountID, db, now: now)
                    earnedNow.append(achievement.key)
                }
            }
            facts.level = Levels.levelFor(xp: try totalXP(accountID: accountID, db)).level
        }
        return earnedNow
    }

    static func earnedKeys(accountID: Int64, _ db: Connection) throws -> Set<String> {
        Set(try db.query("SELECT achievement_key FROM achievements WHERE user_id = ?", [.int(accountID)]).map { try $0.string("achievement_key") })
    }

    static func totalXP(accountID: Int64, _ db: Connection) throws -> Int {
        Int(try db.queryOne("SELECT COALESCE(SUM(xp), 0) AS xp FROM xp_events WHERE user_id = ?", [.int(accountID)])?.int("xp") ?? 0)
    }
}
