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

struct StreakView: JSONObject {
    let streak: Streak

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("current", streak.current)
        try out.member("best", streak.best)
        try out.member("period", "day")
        try out.member("last_scan_on", streak.lastScanOn?.description)
        try out.member("at_risk", streak.atRisk)
    }
}

struct AchievementView: JSONObject {
    let status: AchievementStatus

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("key", status.achievement.key)
        try out.member("name", status.achievement.name)
        try out.member("description", status.achievement.description)
        try out.member("xp", status.achievement.xp)
        try out.member("earned", status.earnedAt != nil)
        try out.member("earned_at", status.earnedAt)
    }
}

struct ItemsView<Item: Encodable>: Encodable {
    let items: [Item]
}
