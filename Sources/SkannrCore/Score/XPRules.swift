// XP events and their amounts. Every award carries an idempotency key that depends only on the
// event; persistence stores awards as rows with UNIQUE(account, key), so a re-delivered event or a
// retried scan write awards nothing the second time.
import Foundation

public struct XPAward: Hashable, Sendable {
    public enum Kind: String, Sendable, Codable {
        case firstTarget = "first_target", scanCompleted = "scan_completed", alertResolved = "alert_resolved"
        case mfaEnabled = "mfa_enabled", streakMilestone = "streak_milestone", achievement
    }

    public let kind: Kind
    public let amount: Int
    /// Unique per account: "scan_completed:31", "alert_resolved:5", "streak_milestone:7", "achievement:grade_a".
    public let key: String
    public let reason: String
}

public enum XPRules {
    public static let firstTargetXP = 50
    public static let scanCompletedXP = 10
    public static let alertResolvedXP = 20
    /// Extra XP for resolving an alert fast: critical within 24 h, high within 72 h.
    public static let fastResolutionBonus: [Severity: (hours: Double, xp: Int)] = [.critical: (24, 50), .high: (72, 20)]
    public static let mfaEnabledXP = 100
    /// Streak lengths (days) that award XP once each, ever.
    public static let streakMilestones: [Int: Int] = [3: 20, 7: 50, 14: 100, 30: 250, 100: 1000]

    public static func firstTarget() -> XPAward {
        XPAward(kind: .firstTarget, amount: firstTargetXP, key: "first_target", reason: "First target added")
    }

    public static func scanCompleted(scanID: Int64) -> XPAward {
        XPAward(kind: .scanCompleted, amount: scanCompletedXP, key: "scan_completed:\(scanID)", reason: "Scan \(scanID) completed")
    }

    public static func alertResolved(alertID: Int64, severity: Severity, createdAt: Date, resolvedAt: Date) -> XPAward {
        var amount = alertResolvedXP
        var reason = "Alert \(alertID) resolved"
        if let bonus = fastResolutionBonus[severity], resolvedAt.timeIntervalSince(createdAt) <= bonus.hours * 3600 {
            amount += bonus.xp
            reason += " (\(severity.rawValue) within \(Int(bonus.hours)) hours: +\(bonus.xp))"
        }
        return XPAward(kind: .alertResolved, amount: amount, key: "alert_resolved:\(alertID)", reason: reason)
    }

    public static func mfaEnabled() -> XPAward {
        XPAward(kind: .mfaEnabled, amount: mfaEnabledXP, key: "mfa_enabled", reason: "Two-factor authentication enabled")
    }

    /// Milestone awards reached by a streak of `days` (all milestones ≤ days; the ledger dedupes).
    public static func streakMilestones(reached days: Int) -> [XPAward] {
        streakMilestones.keys.sorted().filter { $0 <= days }.map { milestone in
            XPAward(kind: .streakMilestone, amount: streakMilestones[milestone] ?? 0,
                    key: "streak_milestone:\(milestone)", reason: "\(milestone)-day scan streak")
        }
    }

    public static func achievement(_ achievement: Achievement) -> XPAward {
        XPAward(kind: .achievement, amount: achievement.xp, key: "achievement:\(achievement.key)",
                reason: "Achievement: \(achievement.name)")
    }
}
