// All SQL of alerts on the API side, scoped by the account id (first parameter). Lists page by
// keyset (id < cursor, newest first) on the (user_id, <filter>, id) index chosen by FORCE INDEX,
// never OFFSET or COUNT. State changes are one guarded UPDATE (WHERE status IN (...)) + a locking
// re-read in one transaction, so a concurrent acknowledge and resolve cannot interleave badly.
import Foundation
import MariaDB
import SkannrCore

public struct AlertStore {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// The index that serves a filter; the other filters are checked on its rows.
    static func index(for filter: AlertFilter) -> String {
        if filter.targetID != nil { return "alerts_user_target" }
        if filter.severity != nil { return "alerts_user_severity" }
        if filter.type != nil { return "alerts_user_type" }
        if filter.status != nil { return "alerts_user_status" }
        return "alerts_user_id"
    }

    static func listSQL(_ filter: AlertFilter) -> String {
        var sql = "SELECT \(AlertRecord.columns) FROM alerts FORCE INDEX (\(index(for: filter))) WHERE user_id = ?"
        if filter.targetID != nil { sql += " AND target_id = ?" }
        if filter.severity != nil { sql += " AND severity = ?" }
        if filter.type != nil { sql += " AND type = ?" }
        if filter.status != nil { sql += " AND status = ?" }
        return sql + " AND id < ? ORDER BY id DESC LIMIT ?"
    }

    static func listParams(accountID: Int64, _ filter: AlertFilter, limit: Int, after: Int64?) -> [SQLValue] {
        var params: [SQLValue] = [.int(accountID)]
        if let targetID = filter.targetID { params.append(.int(targetID)) }
        if let severity = filter.severity { params.append(.text(severity.rawValue)) }
        if let type = filter.type { params.append(.text(type.rawValue)) }
        if let status = filter.status { params.append(.text(status.rawValue)) }
        return params + [.int(after ?? Int64.max), .int(Int64(limit + 1))]
    }

    /// Newest first; `after` is the last id of the previous page.
    public func list(accountID: Int64, filter: AlertFilter, limit: Int, after: Int64?) throws -> Page<AlertRecord> {
        let rows = try connection.query(Self.listSQL(filter), Self.listParams(accountID: accountID, filter, limit: limit, after: after))
        let records = try rows.prefix(limit).map(AlertRecord.init(row:))
        let next = rows.count > limit ? records.last.map { Cursor.encode(id: $0.id) } : nil
        return Page(items: records, nextCursor: next)
    }

    public func find(accountID: Int64, id: Int64, forUpdate: Bool = false) throws -> AlertRecord? {
        try connection.queryOne("SELECT \(AlertRecord.columns) FROM alerts WHERE user_id = ? AND id = ?" + (forUpdate ? " FOR UPDATE" : ""),
                                [.int(accountID), .int(id)]).map(AlertRecord.init(row:))
    }

    /// open/acknowledged -> accepted (the risk is accepted, with the owner's note; AlertPolicy then
    /// raises nothing more for that host, port and type until something else happens there);
    /// accepted: unchanged; resolved: conflict.
    public func accept(accountID: Int64, id: Int64, note: String, now: Date) throws -> AlertTransition {
        try connection.transaction { db in
            let changed = try db.execute("""
                UPDATE alerts SET status = 'accepted', accepted_at = ?, accept_note = ?
                WHERE id = ? AND user_id = ? AND status IN ('open', 'acknowledged')
                """, [.date(now), .text(note), .int(id), .int(accountID)]).affectedRows > 0
            guard let alert = try find(accountID: accountID, id: id, forUpdate: true) else { return .notFound }
            return alert.status == .resolved ? .conflict(alert) : .done(alert, changed: changed)
        }
    }

    /// open -> acknowledged (acknowledged_at set once); acknowledged: unchanged; resolved or
    /// accepted: conflict (an accepted risk needs no acknowledging, and 200 would say it changed).
    public func acknowledge(accountID: Int64, id: Int64, now: Date) throws -> AlertTransition {
        try connection.transaction { db in
            let changed = try db.execute("""
                UPDATE alerts SET status = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, ?)
                WHERE id = ? AND user_id = ? AND status = 'open'
                """, [.date(now), .int(id), .int(accountID)]).affectedRows > 0
            guard let alert = try find(accountID: accountID, id: id, forUpdate: true) else { return .notFound }
            return alert.status == .resolved || alert.status == .accepted ? .conflict(alert) : .done(alert, changed: changed)
        }
    }

    /// open/acknowledged -> resolved (resolved_at set once, acknowledged_at kept); resolved:
    /// unchanged; accepted: conflict (the contract resolves from open or acknowledged). The
    /// resolution's XP and achievements are awarded in the same transaction.
    public func resolve(accountID: Int64, id: Int64, now: Date) throws -> AlertTransition {
        try connection.transaction { db in
            let changed = try db.execute("""
                UPDATE alerts SET status = 'resolved', resolved_at = COALESCE(resolved_at, ?)
                WHERE id = ? AND user_id = ? AND status IN ('open', 'acknowledged')
                """, [.date(now), .int(id), .int(accountID)]).affectedRows > 0
            guard let alert = try find(accountID: accountID, id: id, forUpdate: true) else { return .notFound }
            if alert.status == .accepted { return .conflict(alert) }
            if changed {
                try ProgressStore.alertResolved(connection: db, accountID: accountID, alert: alert, now: now)
                try NotificationOutbox.enqueue(alertIDs: [id], accountID: accountID, event: .alertResolved, db, now: now)
            }
            return .done(alert, changed: changed)
        }
    }
}
