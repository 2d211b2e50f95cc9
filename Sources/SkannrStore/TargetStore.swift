// All SQL of targets, every statement scoped by the account id (first parameter). Create and
// update lock the user row (SELECT plan ... FOR UPDATE) so the plan read and the target count are
// race-free: two concurrent creates on a 3-target plan cannot both pass the count check.
import Foundation
import MariaDB
import SkannrCore

public struct TargetStore {
    public let connection: Connection
    /// Days a past-due subscription keeps its plan before free limits apply (SKANNR_BILLING_GRACE_DAYS).
    public let billingGraceDays: Int

    public init(connection: Connection, billingGraceDays: Int = 7) {
        self.connection = connection
        self.billingGraceDays = billingGraceDays
    }

    /// next_scan_at for a target: now + interval when enabled and scheduled, else nil.
    public static func nextScanAt(enabled: Bool, intervalMinutes: Int?, now: Date) -> Date? {
        guard enabled, let interval = intervalMinutes else { return nil }
        return now.addingTimeInterval(Double(interval) * 60)
    }

    /// Newest first; `after` is the last id of the previous page.
    public func list(accountID: Int64, limit: Int, after: Int64?) throws -> Page<TargetRecord> {
        let rows = try connection.query(
            "SELECT \(TargetRecord.columns) FROM targets t WHERE t.user_id = ? AND t.id < ? ORDER BY t.id DESC LIMIT ?",
            [.int(accountID), .int(after ?? Int64.max), .int(Int64(limit + 1))])
        let records = try rows.prefix(limit).map(TargetRecord.init(row:))
        let next = rows.count > limit ? records.last.map { Cursor.encode(id: $0.id) } : nil
        return Page(items: records, nextCursor: next)
    }

    /// `forUpdate` locks the row (inside a transaction).
    public func find(accountID: Int64, id: Int64, forUpdate: Bool = false) throws -> TargetRecord? {
        let sql = forUpdate
            ? "SELECT \(TargetRecord.columns) FROM targets t WHERE t.user_id = ? AND t.id = ? FOR UPDATE"
            : "SELECT \(TargetRecord.columns) FROM targets t WHERE t.user_id = ? AND t.id = ?"
        return try connection.queryOne(sql,
            [.int(accountID), .int(id)]).map(TargetRecord.init(row:))
    }

    /// The plan whose limits apply now (users.plan, or free once a past-due subscription outlived its
    /// grace period), locking the user row for the rest of the transaction.
    public func lockedPlan(accountID: Int64, now: Date) throws -> Plan {
        guard let row = try connection.queryOne("""
            SELECT u.plan, s.status, s.past_due_since FROM users u LEFT JOIN subscriptions s ON s.user_id = u.id
            WHERE u.id = ? FOR UPDATE
            """, [.int(accountID)]) else {
            throw StoreError.accountNotFound
        }
        return BillingStore.effectivePlan(
            plan: Plan(rawValue: try row.string("plan")) ?? .free, status: try row.optionalString("status") ?? "none",
            pastDueSince: try row.optionalDate("past_due_since"), now: now, graceDays: billingGraceDays)
    }

    /// Inserts a target. `check(plan, existingTargets)` runs inside the transaction with the user
    /// row locked and throws to refuse (plan limits). Throws StoreError.duplicateAddress.
    public func create(accountID: Int64, _ target: NewTarget, now: Date,
                       check: (Plan, Int) throws -> Void) throws -> TargetRecord {
        try connection.transaction { db in
            let plan = try lockedPlan(accountID: accountID, now: now)
            let count = try db.queryOne("SELECT COUNT(*) AS n FROM targets WHERE user_id = ?", [.int(accountID)])?.int("n") ?? 0
            try check(plan, Int(count))
            let params: [SQLValue] = [
                .int(accountID), .text(target.address.normalized), .text(target.address.type),
                .uint(target.address.addressCount), SQLValue(target.label), .text(target.scanProfile.rawValue),
                SQLValue(target.ports?.description), SQLValue(target.intervalMinutes), SQLValue(target.enabled),
                .date(now), .date(now),
                SQLValue(Self.nextScanAt(enabled: target.enabled, intervalMinutes: target.intervalMinutes, now: now)),
            ]
            guard let id = try ScanStore.insertedID(db, Self.insertSQL, params) else { throw StoreError.duplicateAddress }
            guard let created = try find(accountID: accountID, id: id) else {
                throw MariaDBError.client("inserted target \(id) not found")
            }
            return created
        }
    }

    static let insertSQL = """
        INSERT INTO targets (user_id, address, address_type, address_count, label, scan_profile, ports,
            interval_minutes, enabled, created_at, updated_at, next_scan_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Applies `change(current, plan)` (which validates and may throw) to the target, locked.
    /// Returns nil when the account has no such target.
    public func update(accountID: Int64, id: Int64, now: Date,
                       change: (TargetRecord, Plan) throws -> TargetSettings) throws -> TargetRecord? {
        try connection.transaction { db in
            let plan = try lockedPlan(accountID: accountID, now: now)
            guard let current = try find(accountID: accountID, id: id, forUpdate: true) else { return nil }
            let new = try change(current, plan)
            try db.execute("""
                UPDATE targets SET label = ?, scan_profile = ?, ports = ?, expected_ports = ?, interval_minutes = ?, enabled = ?,
                    next_scan_at = ?, updated_at = ? WHERE user_id = ? AND id = ?
                """, [
                    SQLValue(new.label), .text(new.scanProfile.rawValue), SQLValue(new.ports), SQLValue(new.expectedPorts), SQLValue(new.intervalMinutes),
                    SQLValue(new.enabled), SQLValue(new.nextScanAt), .date(now), .int(accountID), .int(id),
                ])
            return try find(accountID: accountID, id: id)
        }
    }

    /// Deletes the target; foreign keys cascade to its scans, scan_hosts, port_results,
    /// tls_certificates and alerts. False when the account has no such target.
    /// The cascade (scans, results, alerts) can deadlock with a scan being created or written for the
    /// same target at that moment; InnoDB rolled the whole statement back, so it is simply run again.
    public func delete(accountID: Int64, id: Int64) throws -> Bool {
        var lastError: MariaDBError?
        for _ in 0..<4 {
            let result: ExecResult
            do {
                result = try connection.execute("DELETE FROM targets WHERE user_id = ? AND id = ?", [.int(accountID), .int(id)])
            } catch {
                guard error.code == 1213 else { throw error }
                lastError = error
                continue
            }
            return result.affectedRows > 0
        }
        throw lastError ?? MariaDBError.client("delete retried without an error")
    }
}
