// GET /score, /streak and /achievements bodies. xp_for_next_level is the TOTAL XP at which the
// next level starts (LevelProgress.nextLevelAt), not the XP still missing (docs/score.md).
import Foundation
import SkannrCore
import SkannrStore

struct ScoreView: Encodable {
    struct Category: Encodable {
        let key: String
        let name: String
        let score: Int
        let weight: Int
        let details: [String]
    }

    let score: Int
    let grade: String
    let level: Int
    let xp: Int
    let xpForNextLevel: Int
    let categories: [Category]
    let updatedAt: Date

    init(report: ScoreReport) {
        score = report.score.score
        grade = report.score.grade
        level = report.level.level
        xp = report.level.xp
        xpForNextLevel = report.level.nextLevelAt
        categories = report.score.categories.map {
            Category(key: $0.key, name: $0.name, score: $0.score, weight: $0.weight, details: $0.details)
        }
        updatedAt = report.updatedAt
    }
}

struct StreakView: Encodable {
    let streak: Streak

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(streak.current, forKey: "current")
        try c.encode(streak.best, forKey: "best")
        try c.encode("day", forKey: "period")
        try c.encode(streak.lastScanOn?.description, forKey: "last_scan_on")
        try c.encode(streak.atRisk, forKey: "at_risk")
    }
}

struct AchievementView: Encodable {
    let status: AchievementStatus

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(status.achievement.key, forKey: "key")
        try c.encode(status.achievement.name, forKey: "name")
        try c.encode(status.achievement.description, forKey: "description")
        try c.encode(status.achievement.xp, forKey: "xp")
        try c.encode(status.earnedAt != nil, forKey: "earned")
        try c.encode(status.earnedAt, forKey: "earned_at")
    }
}

struct ItemsView<Item: Encodable>: Encodable {
    let items: [Item]
}
