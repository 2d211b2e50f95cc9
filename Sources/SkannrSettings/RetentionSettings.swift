// Results retention (issue 20; docs/scale.md): SKANNR_RETENTION_KEEP_SCANS_<FREE|PRO|BUSINESS> completed
// scans per target keep their per-host/per-port rows (at least 2: the newest is the next diff's
// baseline), and the bounds of one run. Read by skannr-retention and by the runner whose scheduler
// leads (it runs a short pass every SKANNR_RETENTION_INTERVAL_SECONDS; 0 turns that off).
import SkannrCore

public struct RetentionSettings: Sendable, Equatable {
    /// Completed scans per target that keep their rows, per plan.
    public var keepCompletedScans: [Plan: Int]
    public var rowsPerTransaction: Int
    public var maxTransactions: Int
    /// Bound of one `skannr-retention` run.
    public var maxSeconds: Int
    /// How often the scheduler leader runs a pass (0: never; cron runs skannr-retention instead).
    public var leaderIntervalSeconds: Int
    /// Bound of the leader's pass, short: it shares the thread with scheduling.
    public var leaderMaxSeconds: Int

    public static let defaultKeep: [Plan: Int] = [.free: 10, .pro: 30, .business: 90]

    public init(settings: Settings) throws(SettingsError) {
        var keep: [Plan: Int] = [:]
        for plan in Plan.allCases {
            keep[plan] = try settings.int("SKANNR_RETENTION_KEEP_SCANS_\(plan.rawValue.uppercased())",
                                          default: Self.defaultKeep[plan] ?? 10, min: 2)
        }
        keepCompletedScans = keep
        rowsPerTransaction = try settings.int("SKANNR_RETENTION_ROWS_PER_TRANSACTION", default: 5_000, min: 1)
        maxTransactions = try settings.int("SKANNR_RETENTION_MAX_TRANSACTIONS", default: 200, min: 1)
        maxSeconds = try settings.int("SKANNR_RETENTION_MAX_SECONDS", default: 20, min: 1)
        leaderIntervalSeconds = try settings.int("SKANNR_RETENTION_INTERVAL_SECONDS", default: 300, min: 0)
        leaderMaxSeconds = try settings.int("SKANNR_RETENTION_LEADER_MAX_SECONDS", default: 2, min: 1)
    }
}
