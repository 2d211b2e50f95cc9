// Whether a stored target still fits a plan's limits (range size, scan profile, custom port count):
// checked whenever a scan is enqueued (API manual scan and trigger-all; the runner has its own copy
// of the rule in ScanEnqueuer) and when a downgrade applies a plan (misfits are disabled, not deleted).
import Foundation
import MariaDB
import SkannrCore

extension PlanLimits {
    /// Which limit `target` breaks ("max_cidr_addresses", "scan_profiles", "max_custom_ports"), or nil.
    public func misfit(_ target: TargetRecord) -> String? {
        if target.addressCount > maxCIDRAddresses { return "max_cidr_addresses" }
        if !scanProfiles.contains(target.scanProfile) { return "scan_profiles" }
        if target.scanProfile == .custom, let maxPorts = maxCustomPorts,
           let ports = try? PortList.parse(target.ports ?? ""), ports.count > maxPorts { return "max_custom_ports" }
        return nil
    }
}

public enum PlanFit {
    /// Disables the account's enabled targets that break `limits` (after a downgrade), in the
    /// caller's transaction; returns their ids.
    public static func disableMisfits(_ db: Connection, accountID: Int64, limits: PlanLimits, now: Date) throws(MariaDBError) -> [Int64] {
        let rows = try db.query("SELECT \(TargetRecord.columns) FROM targets t WHERE t.user_id = ? AND t.enabled = TRUE ORDER BY t.id FOR UPDATE",
                                [.int(accountID)])
        var disabled: [Int64] = []
        for row in rows {
            let target: TargetRecord
            do { target = try TargetRecord(row: row) } catch let error as MariaDBError { throw error } catch {
                throw .client("unreadable target row: \(error)")
            }
            guard limits.misfit(target) != nil else { continue }
            try db.execute("UPDATE targets SET enabled = FALSE, updated_at = ? WHERE user_id = ? AND id = ?",
                           [.date(now), .int(accountID), .int(target.id)])
            disabled.append(target.id)
        }
        return disabled
    }
}
