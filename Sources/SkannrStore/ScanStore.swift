// All SQL of scans on the API side, every statement scoped by the account id (first parameter).
// "One pending/running scan per target" is the UNIQUE KEY on the generated active_target_id: a
// second insert fails with a duplicate key (-> StoreError.scanInProgress), whatever the timing.
import Foundation
import MariaDB
import SkannrCore

public struct ScanStore {
    public let connection: Connection
    /// The limits every enqueued scan is checked against, with the account's effective plan.
    public let plans: PlanCatalog
    public let billingGraceDays: Int

    public init(connection: Connection, plans: PlanCatalog = .defaults, billingGraceDays: Int = 7) {
        self.connection = connection
        self.plans = plans
        self.billingGraceDays = billingGraceDays
    }

    /// The account's effective plan (past-due grace included), its users row locked for the transaction.
    func lockedLimits(accountID: Int64, now: Date) throws -> (Plan, PlanLimits) {
        let plan = try ScanEnqueue.effectivePlan(accountID: accountID, graceDays: billingGraceDays, lock: true, connection, now: now)
        return (plan, plans.limits(for: plan))
    }

    /// Newest first, optionally filtered; uses (user_id, target_id, id) or (user_id, status, id).
    public func list(accountID: Int64, targetID: Int64?, status: ScanStatus?, limit: Int, after: Int64?) throws -> Page<ScanRecord> {
        var sql = "SELECT \(ScanRecord.columns) FROM scans WHERE user_id = ?"
        var params: [SQLValue] = [.int(accountID)]
        if let targetID {
            sql += " AND target_id = ?"
            params.append(.int(targetID))
        }
        if let status {
            sql += " AND status = ?"
            params.append(.text(status.rawValue))
        }
        sql += " AND id < ? ORDER BY id DESC LIMIT ?"
        params += [.int(after ?? Int64.max), .int(Int64(limit + 1))]
        let rows = try connection.query(sql, params)
        let records = try rows.prefix(limit).map(ScanRecord.init(row:))
        let next = rows.count > limit ? records.last.map { Cursor.encode(id: $0.id) } : nil
        return Page(items: records, nextCursor: next)
    }

    public func find(accountID: Int64, id: Int64) throws -> ScanRecord? {
        try connection.queryOne("SELECT \(ScanRecord.columns) FROM scans WHERE user_id = ? AND id = ?",
                                [.int(accountID), .int(id)]).map(ScanRecord.init(row:))
    }

    /// A new pending scan of the target (ScanEnqueue's rule). nil when the account has no such target; throws
    /// StoreError.scanInProgress while it has a pending or running scan. A disabled target can
    /// still be scanned on demand (enabled only governs the schedule and trigger-all). Throws
    /// PlanLimitError when the target breaks the limits of the account's effective plan (a downgrade).
    public func createManual(accountID: Int64, targetID: Int64, now: Date) throws -> ScanRecord? {
        try connection.transaction { db in
            let (plan, limits) = try lockedLimits(accountID: accountID, now: now)
            guard let target = try TargetStore(connection: db).find(accountID: accountID, id: targetID, forUpdate: true) else { return nil }
            switch try ScanEnqueue.enqueue(target, accountID: accountID, trigger: .manual, limits: limits, db, now: now) {
            case .inserted(let id): return try inserted(accountID: accountID, id: id)
            case .busy: throw StoreError.scanInProgress
            case .overPlan(let limit):
                throw PlanLimitError(limit: limit, message: "The \(plan.displayName) plan no longer allows scans of this target (\(limit)); change the target or the plan")
            case .refused(let reason):
                throw PlanLimitError(limit: "scan_profiles", message: "This target cannot be scanned: \(reason)")
            }
        }
    }

    /// One transaction: a `bulk` scan for every enabled target of the account without an active
    /// scan (ScanEnqueue's rule). The targets are locked in id order first (FOR UPDATE), so a concurrent manual scan
    /// either commits first (this insert then hits the unique key: skipped) or waits.
    public func triggerAll(accountID: Int64, now: Date) throws -> (created: [ScanRecord], skipped: [(targetID: Int64, reason: String)]) {
        try connection.transaction { db in
            let (_, limits) = try lockedLimits(accountID: accountID, now: now)
            let rows = try db.query(
                "SELECT \(TargetRecord.columns) FROM targets t WHERE t.user_id = ? ORDER BY t.id FOR UPDATE", [.int(accountID)])
            var created: [ScanRecord] = []
            var skipped: [(targetID: Int64, reason: String)] = []
            for row in rows {
                let target = try TargetRecord(row: row)
                guard target.enabled else {
                    skipped.append((target.id, "disabled"))
                    continue
                }
                // A duplicate key rolls back only its own statement (InnoDB): no savepoint needed.
                switch try ScanEnqueue.enqueue(target, accountID: accountID, trigger: .bulk, limits: limits, db, now: now) {
                case .inserted(let id): created.append(try inserted(accountID: accountID, id: id))
                case .busy: skipped.append((target.id, "scan_in_progress"))
                case .overPlan, .refused: skipped.append((target.id, "plan_limit"))
                }
            }
            return (created, skipped)
        }
    }

    private func inserted(accountID: Int64, id: Int64) throws -> ScanRecord {
        guard let scan = try find(accountID: accountID, id: id) else {
            throw MariaDBError.client("inserted scan \(id) not found")
        }
        return scan
    }

    /// The id of the inserted row, or nil on a duplicate key.
    static func insertedID(_ connection: Connection, _ sql: String, _ params: [SQLValue]) throws -> Int64? {
        do {
            return Int64(try connection.execute(sql, params).lastInsertID)
        } catch let error where error.isDuplicateKey {
            return nil
        }
    }

    public enum CancelOutcome: Sendable, Equatable {
        case cancelled(ScanRecord)
        case alreadyFinished(ScanRecord)
        case notFound
    }

    /// pending or running -> cancelled at once (a runner holding it learns so at its next write: those
    /// are fenced on status = 'running' and find nothing); finished -> as is.
    /// The UPDATE rewrites the unique active_target_id entry, so it can deadlock with a scan being
    /// created or a target being deleted at that moment (the fuzzer found one); InnoDB rolled the
    /// statement back, so it is simply run again, like TargetStore.delete.
    public func cancel(accountID: Int64, id: Int64, now: Date) throws -> CancelOutcome {
        var affected: UInt64?
        for attempt in 1...4 where affected == nil {
            do {
                affected = try connection.execute("""
                    UPDATE scans SET status = 'cancelled', finished_at = ?
                    WHERE user_id = ? AND id = ? AND status IN ('pending', 'running')
                    """, [.date(now), .int(accountID), .int(id)]).affectedRows
            } catch {
                guard error.code == 1213, attempt < 4 else { throw error }
            }
        }
        guard let scan = try find(accountID: accountID, id: id) else { return .notFound }
        if (affected ?? 0) > 0 {
            // Its work units will never run again (a runner on one finds its fence closed). Best
            // effort: a unit left behind is only dead weight until the scan is deleted (cascade).
            try? ScanUnitRows.drop(scanID: id, connection)
        }
        return (affected ?? 0) > 0 ? .cancelled(scan) : .alreadyFinished(scan)
    }
}
