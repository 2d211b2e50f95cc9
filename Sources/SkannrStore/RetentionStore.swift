// Retention (issue 20): deletes the per-host and per-port rows of scans past their target's kept
// window (the last N completed scans per target, N by plan; every scan that raised an alert is
// kept whole), keeping each scan's summary row, marked results_pruned_at. Bounded: small
// transactions (each deletes at most `rowsPerTransaction` rows), a batch count and a time limit.
// Traps: several runners may call it at once — a MariaDB named lock lets one work and the others
// return `.busy` at once, and the scans it prunes are locked FOR UPDATE SKIP LOCKED so it never waits
// on a scan another writer holds. GET_LOCK belongs to the connection: the job runs on one connection.
import Foundation
import MariaDB
import SkannrCore
import SkannrSettings

/// How many completed scans of each target keep their results, per plan.
public struct RetentionPolicy: Sendable, Equatable {
    public var keepCompletedScans: [Plan: Int]

    /// free 10, pro 30, business 90 completed scans per target (a daily scan: 10 days to 3 months).
    public static let defaults = RetentionPolicy(keepCompletedScans: RetentionSettings.defaultKeep)

    public init(keepCompletedScans: [Plan: Int]) { self.keepCompletedScans = keepCompletedScans }

    /// At least 2: the newest completed scan is the previous scan of the next diff.
    public func keep(for plan: Plan) -> Int { max(2, keepCompletedScans[plan] ?? 2) }
}

/// How much one run may do before it stops by itself.
public struct RetentionLimits: Sendable, Equatable {
    public var rowsPerTransaction: Int
    public var targetsPerTransaction: Int
    public var maxTransactions: Int
    public var maxSeconds: Double

    public init(rowsPerTransaction: Int = 5_000, targetsPerTransaction: Int = 50, maxTransactions: Int = 200, maxSeconds: Double = 20) {
        self.rowsPerTransaction = max(1, rowsPerTransaction)
        self.targetsPerTransaction = max(1, targetsPerTransaction)
        self.maxTransactions = max(1, maxTransactions)
        self.maxSeconds = maxSeconds
    }
}

extension RetentionPolicy {
    public init(_ settings: RetentionSettings) { self.init(keepCompletedScans: settings.keepCompletedScans) }
}

extension RetentionLimits {
    /// A whole run (`skannr-retention`), or the scheduler leader's short pass.
    public init(_ settings: RetentionSettings, leaderPass: Bool = false) {
        self.init(rowsPerTransaction: settings.rowsPerTransaction, maxTransactions: settings.maxTransactions,
                  maxSeconds: Double(leaderPass ? settings.leaderMaxSeconds : settings.maxSeconds))
    }
}

public struct RetentionReport: Sendable, Equatable {
    public enum Stop: String, Sendable { case caughtUp, transactionLimit, timeLimit, busy }
    public var scansPruned = 0
    public var rowsDeleted = 0
    public var transactions = 0
    public var stoppedBy: Stop = .caughtUp
}

public struct RetentionStore {
    public let connection: Connection
    /// Named locks are server-wide: the database's name keeps two databases' jobs apart.
    static let lockName = "CONCAT('skannr_retention.', DATABASE())"
    static let finished = "('completed', 'failed', 'cancelled')"

    public init(connection: Connection) { self.connection = connection }

    /// Its own connection (GET_LOCK belongs to it).
    public init(config: DatabaseConfig) throws { connection = try Connection(config: config) }

    /// One bounded run: continues after the last target the previous run finished, up to the last target.
    public func run(policy: RetentionPolicy = .defaults, limits: RetentionLimits = RetentionLimits(), now: () -> Date = Date.init) throws -> RetentionReport {
        guard try connection.queryOne("SELECT GET_LOCK(\(Self.lockName), 0) AS got")?.optionalInt("got") == 1 else {
            return RetentionReport(stoppedBy: .busy)
        }
        defer { _ = try? connection.query("SELECT RELEASE_LOCK(\(Self.lockName)) AS released") }
        var report = RetentionReport()
        let started = now()
        while true {
            if report.transactions >= limits.maxTransactions { report.stoppedBy = .transactionLimit; break }
            if now().timeIntervalSince(started) >= limits.maxSeconds { report.stoppedBy = .timeLimit; break }
            let step = try connection.transaction { db in try pruneStep(db, policy: policy, limits: limits, now: now()) }
            report.transactions += 1
            report.scansPruned += step.scansPruned
            report.rowsDeleted += step.rowsDeleted
            if step.wrappedAround { break }   // past the last target: the next run starts again from the first
        }
        return report
    }

    struct Step { var scansPruned = 0, rowsDeleted = 0, wrappedAround = false }

    /// One transaction: the next targets after the cursor; prunes their scans past the window until
    /// the row budget is spent. The cursor moves past a target only once it has nothing left to prune.
    func pruneStep(_ db: Connection, policy: RetentionPolicy, limits: RetentionLimits, now: Date) throws -> Step {
        try db.execute("INSERT IGNORE INTO retention_progress (job, next_target_id, updated_at) VALUES ('results', 0, ?)", [.date(now)])
        let cursor = try db.queryOne("SELECT next_target_id FROM retention_progress WHERE job = 'results' FOR UPDATE")?.int("next_target_id") ?? 0
        let targets = try db.query("""
            SELECT t.id, u.plan FROM targets t JOIN users u ON u.id = t.user_id
            WHERE t.id > ? ORDER BY t.id LIMIT ?
            """, [.int(cursor), .int(Int64(limits.targetsPerTransaction))])
        var step = Step()
        var nextCursor = cursor
        for target in targets {
            let targetID = try target.int("id")
            let plan = Plan(rawValue: try target.string("plan")) ?? .free
            let budget = limits.rowsPerTransaction - step.rowsDeleted
            let (pruned, deleted, finished) = try pruneTarget(db, targetID: targetID, keep: policy.keep(for: plan), rowBudget: budget, now: now)
            step.scansPruned += pruned
            step.rowsDeleted += deleted
            guard finished else { break }
            nextCursor = targetID
            if step.rowsDeleted >= limits.rowsPerTransaction { break }
        }
        let lastTarget = try targets.last?.int("id") ?? cursor
        if targets.count < limits.targetsPerTransaction && nextCursor == lastTarget {
            nextCursor = 0
            step.wrappedAround = true
            try db.execute("UPDATE retention_progress SET passes = passes + 1 WHERE job = 'results'")
        }
        try db.execute("UPDATE retention_progress SET next_target_id = ?, updated_at = ? WHERE job = 'results'", [.int(nextCursor), .date(now)])
        return step
    }

    /// Prunes one target's scans older than its `keep`-th newest completed scan that raised no alert,
    /// oldest first, within `rowBudget` rows; `finished` is false when the budget ran out first.
    func pruneTarget(_ db: Connection, targetID: Int64, keep: Int, rowBudget: Int, now: Date) throws -> (pruned: Int, deleted: Int, finished: Bool) {
        guard let cutoff = try db.queryOne("""
            SELECT id FROM scans WHERE target_id = ? AND status = 'completed' ORDER BY id DESC LIMIT 1 OFFSET ?
            """, [.int(targetID), .int(Int64(keep - 1))])?.int("id") else { return (0, 0, true) }
        let candidates = try db.query("""
            SELECT s.id FROM scans s
            WHERE s.target_id = ? AND s.status IN \(Self.finished) AND s.id < ? AND s.results_pruned_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.scan_id = s.id)
            ORDER BY s.id LIMIT 100 FOR UPDATE SKIP LOCKED
            """, [.int(targetID), .int(cutoff)]).map { try $0.int("id") }
        var pruned = 0, deleted = 0
        for scanID in candidates {
            let left = rowBudget - deleted
            guard left > 0 else { return (pruned, deleted, false) }
            let ports = Int(try db.execute("DELETE FROM port_results WHERE scan_id = ? LIMIT ?", [.int(scanID), .int(Int64(left))]).affectedRows)
            let hosts = ports >= left ? 0
                : Int(try db.execute("DELETE FROM scan_hosts WHERE scan_id = ? LIMIT ?", [.int(scanID), .int(Int64(left - ports))]).affectedRows)
            deleted += ports + hosts
            guard ports + hosts < left else { return (pruned, deleted, false) }
            // down_hosts goes too: alone, it would make the summary a list of down hosts and the diff's
            // snapshot a scan that saw nothing up.
            try db.execute("UPDATE scans SET results_pruned_at = ?, down_hosts = NULL WHERE id = ?", [.date(now), .int(scanID)])
            pruned += 1
        }
        return (pruned, deleted, candidates.count < 100)
    }
}
