// Scan streaks: consecutive UTC days with at least one completed scan. `current` counts the run
// ending today, or yesterday (then `atRisk`: alive, but no scan yet today); otherwise 0. Days
// after `now` (clock skew) are ignored; duplicates within a day count once.
import Foundation

public struct Streak: Equatable, Sendable {
    public let current: Int
    public let best: Int
    public let lastScanOn: UTCDay?
    public let atRisk: Bool
}

public enum Streaks {
    public static func compute(completedScans: [Date], now: Date) -> Streak {
        compute(days: completedScans.map(UTCDay.init), today: UTCDay(now))
    }

    public static func compute(days: [UTCDay], today: UTCDay) -> Streak {
        let sorted = Set(days.filter { $0 <= today }).sorted()
        guard let last = sorted.last else { return Streak(current: 0, best: 0, lastScanOn: nil, atRisk: false) }
        var best = 0, run = 0
        var previous: UTCDay?
        for day in sorted {
            run = previous.map { day.daysSinceEpoch - $0.daysSinceEpoch == 1 } == true ? run + 1 : 1
            best = max(best, run)
            previous = day
        }
        let gap = today.daysSinceEpoch - last.daysSinceEpoch
        let current = gap <= 1 ? run : 0
        return Streak(current: current, best: best, lastScanOn: last, atRisk: gap == 1)
    }
}
