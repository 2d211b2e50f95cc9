// The ONE rule that enqueues a scan, for every caller: the API's manual scan and trigger-all
// (ScanStore), the scheduler and the operator's trigger-all of every account (ScanScheduler,
// BulkTrigger). It checks the target against the limits of the account's effective plan (a
// downgraded account's target may no longer qualify), snapshots the target with ScanSpec and inserts
// a pending scan; the UNIQUE KEY on active_target_id (one pending/running scan per target) turns a
// duplicate into `busy`, whatever the timing. Trap: the caller's transaction holds the target row.
import Foundation
import MariaDB
import SkannrCore

public enum ScanEnqueue {
    public enum Result: Sendable, Equatable {
        case inserted(scanID: Int64)
        /// The target has a pending or running scan.
        case busy
        /// The target breaks `limit` of the account's effective plan (a downgrade).
        case overPlan(limit: String)
        /// Nothing to scan (an empty or broken port list).
        case refused(reason: String)
    }

    /// Enqueues a scan of `target` (a row of account `accountID`) when it fits `limits`.
    static func enqueue(_ target: TargetRecord, accountID: Int64, trigger: ScanTrigger, limits: PlanLimits,
                        _ db: Connection, now: Date) throws -> Result {
        if let limit = limits.misfit(target) { return .overPlan(limit: limit) }
        let spec = ScanSpec(target: target)
        guard spec.portsPerHost > 0 else { return .refused(reason: "no ports to scan") }
        let params: [SQLValue] = [
            .int(accountID), .int(target.id), .text(trigger.rawValue), .text(spec.address),
            .text(spec.addressType), .text(spec.scanProfile.rawValue), .text(spec.ports),
            .int(Int64(spec.portsPerHost)), .uint(spec.hostsTotal), .date(now),
        ]
        guard let id = try ScanStore.insertedID(db, insertSQL, params) else { return .busy }
        return .inserted(scanID: id)
    }

    static let insertSQL = """
        INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports,
            ports_per_host, hosts_total, created_at)
        VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The account's effective plan (past-due grace included); `lock` takes its users row FOR UPDATE
    /// (the API's per-account calls), else a plain read (the scheduler's batches over many accounts).
    static func effectivePlan(accountID: Int64, graceDays: Int, lock: Bool, _ db: Connection, now: Date) throws -> Plan {
        if lock { return try TargetStore(connection: db, billingGraceDays: graceDays).lockedPlan(accountID: accountID, now: now) }
        guard let row = try db.queryOne("""
            SELECT u.plan, s.status, s.past_due_since FROM users u LEFT JOIN subscriptions s ON s.user_id = u.id WHERE u.id = ?
            """, [.int(accountID)]) else {
            throw StoreError.accountNotFound
        }
        return BillingStore.effectivePlan(
            plan: Plan(rawValue: try row.string("plan")) ?? .free, status: try row.optionalString("status") ?? "none",
            pastDueSince: try row.optionalDate("past_due_since"), now: now, graceDays: graceDays)
    }
}

public struct ScheduleReport: Sendable, Equatable {
    public var enqueued = 0
    public var busy = 0
    public var refused = 0

    public init(enqueued: Int = 0, busy: Int = 0, refused: Int = 0) {
        self.enqueued = enqueued
        self.busy = busy
        self.refused = refused
    }

    mutating func count(_ result: ScanEnqueue.Result) {
        switch result {
        case .inserted: enqueued += 1
        case .busy: busy += 1
        case .overPlan, .refused: refused += 1
        }
    }

    mutating func add(_ other: ScheduleReport) {
        enqueued += other.enqueued
        busy += other.busy
        refused += other.refused
    }

    public var total: Int { enqueued + busy + refused }
}

/// Enqueues `scheduled` scans for enabled targets whose next_scan_at has passed, one transaction per
/// batch: the due targets are locked with FOR UPDATE SKIP LOCKED (index targets_due), so several
/// schedulers each take different targets; a target with an active scan is counted busy.
/// next_scan_at moves to now + interval_minutes (or NULL when the target has no interval any more).
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
    public func enqueueDue(_ store: ScanLifecycleStore, now: Date = Date()) throws -> ScheduleReport {
        try store.connection.transaction { db in
            var report = ScheduleReport()
            var limits = AccountLimits(plans: plans, graceDays: graceDays)
            let rows = try db.query("""
                SELECT t.user_id, \(TargetRecord.columns) FROM targets t
                WHERE t.enabled = 1 AND t.next_scan_at <= ?
                ORDER BY t.next_scan_at LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, [.date(now)])
            for row in rows {
                let target = try TargetRecord(row: row), accountID = try row.int("user_id")
                report.count(try ScanEnqueue.enqueue(target, accountID: accountID, trigger: .scheduled,
                                                     limits: limits.of(accountID, db, now: now), db, now: now))
                let next = target.intervalMinutes.map { SQLValue.date(now.addingTimeInterval(Double($0) * 60)) } ?? .null
                try db.execute("UPDATE targets SET next_scan_at = ? WHERE id = ?", [next, .int(target.id)])
            }
            return report
        }
    }

    /// Batches until nothing is due (bounded, so a flood cannot hold the scheduler).
    public func enqueueAllDue(_ store: ScanLifecycleStore, now: Date = Date(), maxBatches: Int = 20) throws -> ScheduleReport {
        var total = ScheduleReport()
        for _ in 0..<maxBatches {
            let report = try enqueueDue(store, now: now)
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

    public func triggerAll(_ store: ScanLifecycleStore, now: Date = Date()) throws -> ScheduleReport {
        try store.connection.transaction { db in
            var report = ScheduleReport()
            var limits = AccountLimits(plans: plans, graceDays: graceDays)
            let rows = try db.query("SELECT t.user_id, \(TargetRecord.columns) FROM targets t WHERE t.enabled = 1 ORDER BY t.id FOR UPDATE")
            for row in rows {
                let target = try TargetRecord(row: row), accountID = try row.int("user_id")
                report.count(try ScanEnqueue.enqueue(target, accountID: accountID, trigger: .bulk,
                                                     limits: limits.of(accountID, db, now: now), db, now: now))
            }
            return report
        }
    }
}

/// Effective plan limits per account, read once per batch.
struct AccountLimits {
    let plans: PlanCatalog
    let graceDays: Int
    private var cache: [Int64: PlanLimits] = [:]

    init(plans: PlanCatalog, graceDays: Int) {
        self.plans = plans
        self.graceDays = graceDays
    }

    mutating func of(_ accountID: Int64, _ db: Connection, now: Date) throws -> PlanLimits {
        if let known = cache[accountID] { return known }
        let limits = plans.limits(for: try ScanEnqueue.effectivePlan(accountID: accountID, graceDays: graceDays, lock: false, db, now: now))
        cache[accountID] = limits
        return limits
    }
}
