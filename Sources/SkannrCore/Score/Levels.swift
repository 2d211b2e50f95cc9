// The level curve: reaching level n takes 50·n·(n−1) XP in total (level 1 at 0, 2 at 100,
// 3 at 300, 4 at 600, 5 at 1000, …), so each level costs 100 XP more than the one before.
// The contract's `xp_for_next_level` is `nextLevelAt` (total XP where the next level starts).
public struct LevelProgress: Equatable, Sendable {
    public let level: Int
    public let xp: Int
    /// Total XP at which the current level started.
    public let levelStartsAt: Int
    /// Total XP at which the next level starts.
    public let nextLevelAt: Int
    /// XP still missing for the next level (nextLevelAt − xp, always ≥ 1).
    public var xpToNextLevel: Int { nextLevelAt - xp }
}

public enum Levels {
    public static let maxLevel = 1000

    /// Total XP needed to reach `level` (level 1 needs 0).
    public static func xpRequired(forLevel level: Int) -> Int {
        let n = min(max(level, 1), maxLevel + 1)
        return 50 * n * (n - 1)
    }

    public static func levelFor(xp rawXP: Int) -> LevelProgress {
        let xp = max(0, rawXP)
        // Start from the closed-form estimate, then correct for floating-point error.
        var level = Int(((1 + (1 + Double(xp) / 12.5).squareRoot()) / 2).rounded(.down))
        level = min(max(level, 1), maxLevel)
        while level > 1 && xpRequired(forLevel: level) > xp { level -= 1 }
        while level < maxLevel && xpRequired(forLevel: level + 1) <= xp { level += 1 }
        return LevelProgress(level: level, xp: xp, levelStartsAt: xpRequired(forLevel: level),
                             nextLevelAt: max(xpRequired(forLevel: level + 1), xp + 1))
    }
}
