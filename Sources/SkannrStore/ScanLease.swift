// Every write a runner makes to a scan it holds, fenced by the lease:
// `WHERE id = ? AND lease_owner = ? AND status = 'running'`, and zero matched rows means the lease is
// lost (taken over after expiry, cancelled, or the scan/target deleted) — the caller stops at once.
// Trap: the connection sets CLIENT_FOUND_ROWS, so an UPDATE reports matched (not changed) rows.
import Foundation
import MariaDB

/// The fence of one claim: the scan, the claim's owner token and how long a heartbeat extends it.
public struct ScanLease: Sendable, Equatable {
    public let scanID: Int64
    public let owner: String
    public let duration: Duration

    public init(scan: ClaimedScan, duration: Duration) {
        scanID = scan.id
        owner = scan.leaseOwner
        self.duration = duration
    }

    static let fence = "WHERE id = ? AND lease_owner = ? AND status = 'running'"
    var fenceParams: [SQLValue] { [.int(scanID), .text(owner)] }
}

/// The fenced write matched nothing: the message says what happened to the scan (for the log line).
public struct LeaseLostError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension ScanLifecycleStore {
    /// Extends the lease (and records progress when given). Throws LeaseLostError when the fence matches
    /// nothing — also how a cancel reaches the runner (the API sets status = 'cancelled' at once).
    public func heartbeat(_ lease: ScanLease, progress: Double? = nil, hostsDone: Int? = nil, hostsTotal: Int? = nil) throws {
        let percent = progress.map(progressPercent)
        let result = try connection.execute("""
            UPDATE scans SET lease_expires_at = DATE_ADD(NOW(6), INTERVAL ? MICROSECOND),
                progress = COALESCE(?, progress), hosts_done = COALESCE(?, hosts_done), hosts_total = COALESCE(?, hosts_total)
            \(ScanLease.fence)
            """, [.int(lease.duration.microseconds), SQLValue(percent), SQLValue(hostsDone), SQLValue(hostsTotal)] + lease.fenceParams)
        guard result.affectedRows > 0 else { throw lost(lease) }
    }

    /// Ends the scan `failed` with a reason for the user.
    /// The scan.failed notifications are written in the same transaction (issue 18's outbox).
    public func fail(_ lease: ScanLease, reason: String, now: Date) throws {
        try connection.transaction { db in
            try finish(lease, db, "status = 'failed', error = ?, finished_at = ?", [.text(String(reason.prefix(1000))), .date(now)])
            try NotificationOutbox.enqueueScanFailed(scanID: lease.scanID, db, now: now)
            try ScanUnitRows.drop(scanID: lease.scanID, db)
        }
    }

    /// Gives the scan back (`pending`, no lease) so another runner picks it up at once.
    /// `refundAttempt` for a graceful stop (SIGTERM): the attempt does not count towards the limit.
    public func release(_ lease: ScanLease, refundAttempt: Bool, reason: String? = nil) throws {
        let attempts = refundAttempt ? "attempts = GREATEST(attempts, 1) - 1" : "attempts = attempts"
        try finish(lease, connection, "status = 'pending', \(attempts), error = COALESCE(?, error)",
                   [SQLValue(reason.map { String($0.prefix(1000)) })])
    }

    private func finish(_ lease: ScanLease, _ db: Connection, _ assignments: String, _ params: [SQLValue]) throws {
        let result = try db.execute(
            "UPDATE scans SET \(assignments), lease_owner = NULL, lease_expires_at = NULL \(ScanLease.fence)", params + lease.fenceParams)
        guard result.affectedRows > 0 else { throw lost(lease) }
    }

    /// Whether the scan is now `cancelled` (read after a lost lease; false when that cannot be read).
    public func isCancelled(scanID: Int64) -> Bool {
        (try? connection.queryOne("SELECT status FROM scans WHERE id = ?", [.int(scanID)])?.string("status")) == "cancelled"
    }

    /// The LeaseLostError, saying what happened to the scan.
    func lost(_ lease: ScanLease) -> LeaseLostError {
        let row = try? connection.queryOne("SELECT status, lease_owner FROM scans WHERE id = ?", [.int(lease.scanID)])
        guard let row else { return LeaseLostError(message: "scan \(lease.scanID) no longer exists") }
        let status = (try? row.string("status")) ?? "?"
        let holder = (try? row.optionalString("lease_owner")) ?? nil
        return LeaseLostError(message: "scan \(lease.scanID) is \(status)" + (holder.map { ", held by \($0)" } ?? ""))
    }
}
