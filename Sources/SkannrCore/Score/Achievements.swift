// The achievement catalogue and a pure evaluator: plain facts in, earned keys out. The API runs
// it when the underlying event happens (target added, scan completed, alert resolved, MFA on, plan
// changed, score computed) and inserts the keys not yet earned with `earned_at` = now; an
// achievement is never taken back.
import Foundation

public struct Achievement: Hashable, Sendable {
    public let key: String
    public let name: String
    public let description: String
    public let xp: Int
}

public struct AchievementFacts: Sendable, Equatable {
    public var targetCount = 0
    public var hasCIDRTarget = false
    public var completedScans = 0
    public var hasCompletedFullScan = false
    public var resolvedAlerts = 0
    /// Most alerts resolved within any 24-hour window (see `Achievements.maxResolvedWithinADay`).
    public var maxResolvedWithinADay = 0
    /// Fastest resolution of a critical alert, in seconds.
    public var fastestCriticalResolution: TimeInterval?
    public var mfaEnabled = false
    public var bestStreak = 0
    /// Critical open ports across the latest completed scans of all targets.
    public var criticalOpenPorts = 0
    public var grade: String?
    public var plan: Plan = .free
    public var level = 1

    public init() {}
}

public enum Achievements {
    public static let catalogue: [Achievement] = [
        Achievement(key: "first_target", name: "First target", description: "Add your first target.", xp: 25),
        Achievement(key: "first_scan", name: "First scan", description: "Complete your first scan.", xp: 25),
        Achievement(key: "first_alert_resolved", name: "Fixer", description: "Resolve your first alert.", xp: 25),
        Achievement(key: "mfa_enabled", name: "Locked down", description: "Turn on two-factor authentication.", xp: 50),
        Achievement(key: "streak_7", name: "Week watch", description: "Scan on 7 consecutive days.", xp: 75),
        Achievement(key: "streak_30", name: "Month watch", description: "Scan on 30 consecutive days.", xp: 300),
        Achievement(key: "zero_critical", name: "Nothing critical", description: "No critical services exposed across all your targets after a completed scan.", xp: 100),
        Achievement(key: "full_range_scan", name: "All 65,535", description: "Complete a full-range scan (ports 1-65535).", xp: 50),
        Achievement(key: "ten_resolved_in_a_day", name: "Cleanup day", description: "Resolve ten alerts within 24 hours.", xp: 100),
        Achievement(key: "grade_a", name: "Top grade", description: "Reach security grade A.", xp: 150),
        Achievement(key: "upgraded_plan", name: "Supporter", description: "Upgrade to a paid plan.", xp: 50),
        Achievement(key: "network_watcher", name: "Network watcher", description: "Monitor a CIDR range.", xp: 25),
        Achievement(key: "ten_targets", name: "Fleet", description: "Monitor ten targets.", xp: 75),
        Achievement(key: "hundred_scans", name: "Centurion", description: "Complete 100 scans.", xp: 150),
        Achievement(key: "quick_responder", name: "Quick responder", description: "Resolve a critical alert within one hour of it being raised.", xp: 100),
        Achievement(key: "level_5", name: "Seasoned", description: "Reach level 5.", xp: 100),
    ]

    /// Every catalogue key the facts satisfy (earned before or not; the caller inserts the new ones).
    public static func earned(from f: AchievementFacts) -> Set<String> {
        var keys: Set<String> = []
        func award(_ key: String, _ condition: Bool) { if condition { keys.insert(key) } }
        award("first_target", f.targetCount >= 1)
        award("first_scan", f.completedScans >= 1)
        award("first_alert_resolved", f.resolvedAlerts >= 1)
        award("mfa_enabled", f.mfaEnabled)
        award("streak_7", f.bestStreak >= 7)
        award("streak_30", f.bestStreak >= 30)
        award("zero_critical", f.completedScans >= 1 && f.targetCount >= 1 && f.criticalOpenPorts == 0)
        award("full_range_scan", f.hasCompletedFullScan)
        award("ten_resolved_in_a_day", f.maxResolvedWithinADay >= 10)
        award("grade_a", f.grade == "A" && f.targetCount >= 1)
        award("upgraded_plan", f.plan != .free)
        award("network_watcher", f.hasCIDRTarget)
        award("ten_targets", f.targetCount >= 10)
        award("hundred_scans", f.completedScans >= 100)
        award("quick_responder", (f.fastestCriticalResolution ?? .infinity) <= 3600)
        award("level_5", f.level >= 5)
        return keys
    }

    /// The most resolution times that fall within one 24-hour window (sliding, not calendar days).
    public static func maxResolvedWithinADay(_ resolvedAt: [Date]) -> Int {
        let times = resolvedAt.map(\.timeIntervalSince1970).sorted()
        var best = 0, start = 0
        for end in times.indices {
            while times[end] - times[start] >= 86_400 { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }
}
