// Reads behind GET /score, /streak and /achievements: the pure rules of SkannrCore over facts from
// SQL. Nothing is cached: the score is computed at request time (its updated_at is that time).
import Foundation
import MariaDB
import SkannrCore

public struct ScoreReport: Sendable, Equatable {
    public let score: SecurityScore
    public let level: LevelProgress
    public let updatedAt: Date
}

public struct AchievementStatus: Sendable, Equatable {
    public let achievement: Achievement
    public let earnedAt: Date?
}

public struct ProgressReads {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    public func score(accountID: Int64, now: Date) throws -> ScoreReport {
        let (input, _, _) = try ProgressFacts.scoreInput(accountID: accountID, connection, now: now)
        return ScoreReport(score: ScoreRules.score(input),
                           level: Levels.levelFor(xp: try ProgressStore.totalXP(accountID: accountID, connection)), updatedAt: now)
    }

    public func streak(accountID: Int64, now: Date) throws -> Streak {
        Streaks.compute(days: try ProgressFacts.scanDays(accountID: accountID, connection), today: UTCDay(now))
    }

    /// Every catalogue entry in catalogue order, with earned_at when earned.
    public func achievements(accountID: Int64) throws -> [AchievementStatus] {
        var earned: [String: Date] = [:]
        for row in try connection.query("SELECT achievement_key, earned_at FROM achievements WHERE user_id = ?", [.int(accountID)]) {
            earned[try row.string("achievement_key")] = try row.date("earned_at")
        }
        return Achievements.catalogue.map { AchievementStatus(achievement: $0, earnedAt: earned[$0.key]) }
    }

    /// The XP ledger's total.
    public func totalXP(accountID: Int64) throws -> Int { try ProgressStore.totalXP(accountID: accountID, connection) }
}
