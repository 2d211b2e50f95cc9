// Enqueues `scheduled` scans for enabled targets whose next_scan_at has passed, one transaction per
// batch: the due targets are locked with FOR UPDATE SKIP LOCKED (index targets_due), so several
// runners each take different targets; a target with an active scan is skipped by the unique key.
// next_scan_at moves to now + interval_minutes (or NULL when the target has no interval any more).
import Foundation
import MariaDB
import SkannrCore

public struct ScheduleReport: Sendable, Equatable {
    public var enqueued = 0
    public var busy = 0
    public var refused = 0

    mutating func count(_ result: ScanEnqueuer.Result) {
        switch result {
        case .inserted: enqueued += 1
        case .busy: busy += 1
        case .refused: refused += 1
        }
    }

    mutating func add(_ other: ScheduleReport) {
        enqueued += other.enqueued
        busy += other.busy
        refused += other.refused
    }

    var total: Int { enqueued + busy + refused }
}

public struct ScanScheduler: Sendable {
    public let batchSize: Int
    public let plans: PlanCatalog
    public let graceDays: Int

    public init(batchSize: Int = 100, plans: PlanCatalog = .defaults, graceDays: Int = 7) {
        self.batchSize = batchSize
        self.plans = plans
        self.graceDays = graceDays
    }

    /// One batch; call again while it reports a full batch.
    public func enqueueDue(_ connection: Connection, now: Date = Date()) throws -> ScheduleReport {
        try connection.transaction { db in
            var report = ScheduleReport()
            var plans: [Int64: Plan] = [:]
            let rows = try db.query("""
                SELECT \(DueTarget.columns) FROM targets
                WHERE enabled = 1 AND next_scan_at <= ?
                ORDER BY next_scan_at LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, [.date(now)])
            for row in rows {
                let target = try DueTarget(row: row)
                report.count(try ScanEnqueuer.enqueue(target, trigger: "scheduled", plans: self.plans, graceDays: graceDays, planCache: &plans,
                                                      connection: db, now: now))
                let next = target.intervalMinutes.map { SQLValue.date(now.addingTimeInterval(Double($0) * 60)) } ?? .null
                try db.execute("UPDATE targets SET next_scan_at = ? WHERE id = ?", [next, .int(target.id)])
            }
            return report
        }
    }

    /// Batches until nothing is due (bounded, so a flood cannot hold the poll loop).
    public func enqueueAllDue(_ connection: Connection, now: Date = Date(), maxBatches: Int = 20) throws -> ScheduleReport {
        var total = ScheduleReport()
        for _ in 0..<maxBatches {
            let report = try enqueueDue(connection, now: now)
            total.add(report)
            if report.total < batchSize { break }
        }
        return total
    }
}

/// The operator's `trigger-all`: a `bulk` scan for every account's enabled target without an active
/// scan, in one transaction. Targets with a pending/running scan are counted as busy.
public struct BulkTrigger: Sendable {
    public let plans: PlanCatalog
    public let graceDays: Int

    public init(plans: PlanCatalog = .defaults, graceDays: Int = 7) {
        self.plans = plans
        self.graceDays = graceDays
    }

    public func triggerAll(_ connection: Connection, now: Date = Date()) throws -> ScheduleReport {
        try connection.transaction { db in
            var report = ScheduleReport()
            var plans: [Int64: Plan] = [:]
            let rows = try db.query("""
                SELECT \(DueTarget.columns) FROM targets WHERE enabled = 1 ORDER BY id FOR UPDATE
                """)
            for row in rows {
                report.count(try ScanEnqueuer.enqueue(DueTarget(row: row), trigger: "bulk", plans: self.plans, graceDays: graceDays, planCache: &plans,
                                                      connection: db, now: now))
            }
            return report
        }
    }
}

extension RunnerConfiguration {
    /// `skannr-scanner trigger-all`: its own connection, one transaction.
    public func triggerAll(now: Date = Date()) throws -> ScheduleReport {
        try BulkTrigger(plans: plans, graceDays: billingGraceDays).triggerAll(Connection(config: database), now: now)
    }

    /// `skannr-scanner schedule --once`: enqueue what is due, then return.
    public func scheduleDue(now: Date = Date()) throws -> ScheduleReport {
        try ScanScheduler(batchSize: scheduleBatch, plans: plans, graceDays: billingGraceDays).enqueueAllDue(Connection(config: database), now: now)
    }
}
