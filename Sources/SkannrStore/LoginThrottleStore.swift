// Failed-login counters per (scope, subject) in fixed windows, and their locks. The policy (how
// many failures, how long a lock) lives with the caller; this file only counts and stores.
// Trap: in MariaDB's ON DUPLICATE KEY UPDATE, later assignments see earlier ones' new values, so
// `failures` is reset first and `window_started_at` follows from `failures = 1`.
import Foundation
import MariaDB

public struct ThrottleKey: Sendable, Hashable {
    /// 'account', 'ip' or 'account_ip' (the column's ENUM).
    public let scope: String
    public let subject: String

    public init(scope: String, subject: String) {
        self.scope = scope
        self.subject = String(subject.prefix(255))
    }
}

public struct ThrottleCounter: Sendable, Equatable {
    public let failures: Int
    public let windowStartedAt: Date
    public let lockedUntil: Date?
}

public struct LoginThrottleStore {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// The latest lock among `keys` that is still running at `now`, or nil. One round trip.
    public func lockedUntil(_ keys: [ThrottleKey], now: Date) throws(MariaDBError) -> Date? {
        guard !keys.isEmpty else { return nil }
        let conditions = Array(repeating: "(scope = ? AND subject = ?)", count: keys.count).joined(separator: " OR ")
        var params: [SQLValue] = keys.flatMap { [SQLValue.text($0.scope), .text($0.subject)] }
        params.append(.date(now))
        let row = try connection.queryOne(
            "SELECT MAX(locked_until) AS until FROM login_throttle WHERE (\(conditions)) AND locked_until > ?", params)
        return try row?.optionalDate("until")
    }

    /// Counts one failure for `key` (a new window when the current one began before
    /// `now - windowSeconds`) and returns the counter after it. Call inside a transaction when
    /// the caller then sets a lock from the count.
    public func recordFailure(_ key: ThrottleKey, now: Date, windowSeconds: Int) throws(MariaDBError) -> ThrottleCounter {
        let cutoff = now.addingTimeInterval(-Double(windowSeconds))
        try connection.execute("""
            INSERT INTO login_throttle (scope, subject, failures, window_started_at, locked_until) VALUES (?, ?, 1, ?, NULL)
            ON DUPLICATE KEY UPDATE
                failures = IF(window_started_at < ?, 1, failures + 1),
                window_started_at = IF(failures = 1, VALUES(window_started_at), window_started_at)
            """, [.text(key.scope), .text(key.subject), .date(now), .date(cutoff)])
        guard let counter = try counter(key) else { throw .client("login_throttle row vanished") }
        return counter
    }

    public func lock(_ key: ThrottleKey, until: Date) throws(MariaDBError) {
        try connection.execute("UPDATE login_throttle SET locked_until = ? WHERE scope = ? AND subject = ?",
                               [.date(until), .text(key.scope), .text(key.subject)])
    }

    public func clear(_ key: ThrottleKey) throws(MariaDBError) {
        try connection.execute("DELETE FROM login_throttle WHERE scope = ? AND subject = ?", [.text(key.scope), .text(key.subject)])
    }

    public func counter(_ key: ThrottleKey) throws(MariaDBError) -> ThrottleCounter? {
        guard let row = try connection.queryOne(
            "SELECT failures, window_started_at, locked_until FROM login_throttle WHERE scope = ? AND subject = ?",
            [.text(key.scope), .text(key.subject)]) else { return nil }
        return ThrottleCounter(failures: Int(try row.int("failures")), windowStartedAt: try row.date("window_started_at"),
                               lockedUntil: try row.optionalDate("locked_until"))
    }

    /// Deletes counters whose window began before `cutoff` and that hold no running lock.
    @discardableResult
    public func purge(before cutoff: Date, now: Date) throws(MariaDBError) -> UInt64 {
        try connection.execute("""
            DELETE FROM login_throttle WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?) LIMIT 1000
            """, [.date(cutoff), .date(now)]).affectedRows
    }
}
