// Every write a runner makes to a scan it holds, fenced by the lease:
// `WHERE id = ? AND lease_owner = ? AND status = 'running'`, and zero matched rows means the lease is
// lost (taken over after expiry, cancelled, or the scan/target deleted) — the caller stops at once.
// Trap: the connection sets CLIENT_FOUND_ROWS, so an UPDATE reports matched (not changed) rows.
import Foundation
import MariaDB
import SkannrStore

public struct LeaseFence: Sendable {
    public let scanID: Int64
    public let owner: String
    public let leaseDuration: Duration

    public init(scan: ClaimedScan, leaseDuration: Duration) {
        scanID = scan.id
        owner = scan.leaseOwner
        self.leaseDuration = leaseDuration
    }

    static let fence = "WHERE id = ? AND lease_owner = ? AND status = 'running'"
    var fenceParams: [SQLValue] { [.int(scanID), .text(owner)] }

    /// Extends the lease (and records progress when given). Throws leaseLost when the fence matches
    /// nothing — also how a cancel reaches the runner (the API sets status = 'cancelled' at once).
    public func heartbeat(_ connection: Connection, progress: Double? = nil, hostsDone: Int? = nil, hostsTotal: Int? = nil) throws {
        let percent = progress.map { min(99.99, max(0, ($0 * 100).rounded(.down) / 100)) }
        let result = try connection.execute("""
            UPDATE scans SET lease_expires_at = DATE_ADD(NOW(6), INTERVAL ? MICROSECOND),
                progress = COALESCE(?, progress), hosts_done = COALESCE(?, hosts_done), hosts_total = COALESCE(?, hosts_total)
            \(Self.fence)
            """, [.int(leaseDuration.microseconds), SQLValue(percent), SQLValue(hostsDone), SQLValue(hostsTotal)] + fenceParams)
        guard result.affectedRows > 0 else { throw lost(connection) }
    }

    /// Ends the scan `failed` with a reason for the user.
    /// The scan.failed notifications are written in the same transaction (issue 18's outbox).
    public func fail(_ connection: Connection, reason: String, now: Date) throws {
        try connection.transaction { db in
            try finish(db, "status = 'failed', error = ?, finished_at = ?", [.text(String(reason.prefix(1000))), .date(now)])
            try NotificationOutbox.enqueueScanFailed(scanID: scanID, db, now: now)
        }
    }

    /// Gives the scan back (`pending`, no lease) so another runner picks it up at once.
    /// `refundAttempt` for a graceful stop (SIGTERM): the attempt does not count towards the limit.
    public func release(_ connection: Connection, refundAttempt: Bool, reason: String? = nil) throws {
        let attempts = refundAttempt ? "attempts = GREATEST(attempts, 1) - 1" : "attempts = attempts"
        try finish(connection, "status = 'pending', \(attempts), error = COALESCE(?, error)", [SQLValue(reason.map { String($0.prefix(1000)) })])
    }

    private func finish(_ connection: Connection, _ assignments: String, _ params: [SQLValue]) throws {
        let result = try connection.execute(
            "UPDATE scans SET \(assignments), lease_owner = NULL, lease_expires_at = NULL \(Self.fence)", params + fenceParams)
        guard result.affectedRows > 0 else { throw lost(connection) }
    }

    /// Whether the scan is now `cancelled` (read after a lost lease; false when that cannot be read).
    func isCancelled(_ connection: Connection) -> Bool {
        (try? connection.queryOne("SELECT status FROM scans WHERE id = ?", [.int(scanID)])?.string("status")) == "cancelled"
    }

    /// The leaseLost error, saying what happened to the scan (for the log line).
    func lost(_ connection: Connection) -> RunnerError {
        let row = try? connection.queryOne("SELECT status, lease_owner FROM scans WHERE id = ?", [.int(scanID)])
        guard let row else { return RunnerError(.leaseLost, "scan \(scanID) no longer exists") }
        let status = (try? row.string("status")) ?? "?"
        let holder = (try? row.optionalString("lease_owner")) ?? nil
        return RunnerError(.leaseLost, "scan \(scanID) is \(status)" + (holder.map { ", held by \($0)" } ?? ""))
    }
}
