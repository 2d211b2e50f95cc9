// Failed-login counters per (scope, subject) in fixed windows, and their locks. The policy (how
// many failures, how long a lock) lives with the caller; this file only counts and stores. An
// attempt is reserved (counted) under a row lock before its password is checked, and released when
// it was no failure; the account's known addresses live here too.
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

// MARK: reservations (issue 16 #3): an attempt is counted before the password is hashed

public enum ThrottleReservation: Sendable, Equatable {
    /// Counted in advance as a failure; `release` takes it back when the attempt was not one.
    case granted
    /// A lock runs on this key until then: nothing was counted.
    case locked(until: Date)
}

extension LoginThrottleStore {
    /// Reserves one attempt on `key` under a row lock: while a lock runs, `.locked` and nothing
    /// changes; else the attempt counts as a failure now (a new window once the current one is
    /// older than `windowSeconds`) and `lockUntil(failures, windowStart)` may lock the key at once.
    /// Parallel attempts serialise on the row, so no more than the threshold are ever let through.
    /// Call inside a transaction when reserving several keys together.
    public func reserve(_ key: ThrottleKey, now: Date, windowSeconds: Int,
                        lockUntil: (_ failures: Int, _ windowStart: Date) -> Date?) throws(MariaDBError) -> ThrottleReservation {
        try connection.execute("""
            INSERT IGNORE INTO login_throttle (scope, subject, failures, window_started_at, locked_until) VALUES (?, ?, 0, ?, NULL)
            """, [.text(key.scope), .text(key.subject), .date(now)])
        guard let row = try connection.queryOne(
            "SELECT failures, window_started_at, locked_until FROM login_throttle WHERE scope = ? AND subject = ? FOR UPDATE",
            [.text(key.scope), .text(key.subject)]) else { throw .client("login_throttle row vanished") }
        if let until = try row.optionalDate("locked_until"), until > now { return .locked(until: until) }
        var failures = Int(try row.int("failures")) + 1
        var windowStart = try row.date("window_started_at")
        if windowStart < now.addingTimeInterval(-Double(windowSeconds)) { (failures, windowStart) = (1, now) }
        let until = lockUntil(failures, windowStart)
        try connection.execute("""
            UPDATE login_throttle SET failures = ?, window_started_at = ?, locked_until = ? WHERE scope = ? AND subject = ?
            """, [.int(Int64(failures)), .date(windowStart), until.map(SQLValue.date) ?? .null, .text(key.scope), .text(key.subject)])
        return .granted
    }

    /// Takes back a granted reservation whose attempt was no failure, with the lock it may have set
    /// (no other attempt could start while that lock ran, so it was this attempt's).
    public func release(_ key: ThrottleKey) throws(MariaDBError) {
        try connection.execute("""
            UPDATE login_throttle SET failures = IF(failures > 0, failures - 1, 0), locked_until = NULL WHERE scope = ? AND subject = ?
            """, [.text(key.scope), .text(key.subject)])
    }

    // MARK: known addresses: where an account signed in lately keeps working under attack

    public func isKnownAddress(userID: Int64, addressHash: [UInt8]) throws(MariaDBError) -> Bool {
        try connection.queryOne("SELECT 1 AS known FROM login_known_addresses WHERE user_id = ? AND address_hash = ?",
                                [.int(userID), .blob(addressHash)]) != nil
    }

    /// Remembers a successful sign-in from `addressHash` and keeps only the `keep` latest addresses.
    public func rememberAddress(userID: Int64, addressHash: [UInt8], now: Date, keep: Int) throws(MariaDBError) {
        try connection.execute("""
            INSERT INTO login_known_addresses (user_id, address_hash, last_success_at) VALUES (?, ?, ?)
            ON DUPLICATE KEY UPDATE last_success_at = VALUES(last_success_at)
            """, [.int(userID), .blob(addressHash), .date(now)])
        let rows = try connection.query("""
            SELECT address_hash FROM login_known_addresses WHERE user_id = ? ORDER BY last_success_at DESC LIMIT 100 OFFSET ?
            """, [.int(userID), .int(Int64(keep))])
        for row in rows {
            try connection.execute("DELETE FROM login_known_addresses WHERE user_id = ? AND address_hash = ?",
                                   [.int(userID), .blob(try row.blob("address_hash"))])
        }
    }
}
