// The operator's view of the scan queue, read at metrics-scrape time: scans by status, queue depth
// and age, expired leases. Not scoped by account on purpose (it is never reachable from the public
// API). Each query uses an index: scans_claim (status, id), scans_lease (status, lease_expires_at).
import Foundation
import MariaDB

public struct QueueGauges: Sendable, Equatable {
    public var scansByStatus: [String: Int64] = [:]
    public var pending: Int64 { scansByStatus["pending"] ?? 0 }
    public var oldestPendingSeconds: Double = 0
    public var leasesExpired: Int64 = 0

    public init() {}
}

public enum OperationsStore {
    public static let statuses = ["pending", "running", "completed", "failed", "cancelled"]

    public static func queueGauges(_ connection: Connection) throws -> QueueGauges {
        var gauges = QueueGauges()
        for status in statuses { gauges.scansByStatus[status] = 0 }
        for row in try connection.query("SELECT status, COUNT(*) AS n FROM scans GROUP BY status") {
            gauges.scansByStatus[try row.string("status")] = try row.int("n")
        }
        let oldest = try connection.queryOne("""
            SELECT COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), UTC_TIMESTAMP(6)), 0) AS age
            FROM scans WHERE status = 'pending'
            """)
        gauges.oldestPendingSeconds = max(0, Double(try oldest?.int("age") ?? 0) / 1_000_000)
        gauges.leasesExpired = try connection.queryOne(
            "SELECT COUNT(*) AS n FROM scans WHERE status = 'running' AND lease_expires_at < NOW(6)")?.int("n") ?? 0
        return gauges
    }
}
