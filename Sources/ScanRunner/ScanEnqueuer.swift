// Inserts a pending scan for a target, snapshotting its address, profile and port list with the API's
// own rule (SkannrStore.ScanSpec: ports text, ports_per_host, hosts_total). INSERT IGNORE: the unique
// key on active_target_id (one pending/running scan per target) turns a duplicate into "skipped".
// Also applies the limits of the account's effective plan (users.plan, or free once a past-due
// subscription outlived its grace): a downgraded account's target may no longer qualify.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore

struct DueTarget {
    let id: Int64
    let userID: Int64
    let address: String
    let addressType: String
    let profile: String
    let ports: String?
    let intervalMinutes: Int64?
    let addressCount: Int64

    static let columns = """
        id, user_id, address, address_type, scan_profile, ports, interval_minutes, address_count
        """

    init(row: Row) throws {
        id = try row.int("id")
        userID = try row.int("user_id")
        address = try row.string("address")
        addressType = try row.string("address_type")
        profile = try row.string("scan_profile")
        ports = try row.optionalString("ports")
        intervalMinutes = try row.optionalInt("interval_minutes")
        addressCount = try row.int("address_count")
    }

    /// The target as the API's snapshot rule (ScanSpec) reads it; the fields ScanSpec ignores are filler.
    func record(profile: ScanProfile, now: Date) -> TargetRecord {
        TargetRecord(id: id, address: address, type: addressType, addressCount: UInt64(clamping: addressCount), label: nil,
                     scanProfile: profile, ports: ports, intervalMinutes: intervalMinutes.map { Int($0) }, enabled: true,
                     createdAt: now, updatedAt: now, lastScanID: nil, lastScanAt: nil, nextScanAt: nil)
    }
}

enum ScanEnqueuer {
    enum Result: Equatable {
        case inserted(scanID: Int64)
        case busy
        case refused(reason: String)
    }

    static func enqueue(_ target: DueTarget, trigger: String, plans: PlanCatalog, graceDays: Int = 7,
                        planCache: inout [Int64: Plan], connection: Connection, now: Date) throws -> Result {
        guard let profile = ScanProfile(rawValue: target.profile) else { return .refused(reason: "unknown scan profile") }
        let custom: PortList?
        do { custom = try target.ports.map { try PortList.parse($0) } } catch { return .refused(reason: "invalid port list") }
        if let address = try? TargetAddress.parse(target.address),
           let plan = try planCache[target.userID] ?? effectivePlan(of: target.userID, graceDays: graceDays, connection, now: now) {
            planCache[target.userID] = plan
            do {
                try plans.checkTarget(plan: plan, existingTargets: nil, address: address, profile: profile,
                                      customPorts: custom, intervalMinutes: nil)
            } catch { return .refused(reason: "plan_limit") }
        }
        let spec = ScanSpec(target: target.record(profile: profile, now: now))
        guard spec.portsPerHost > 0 else { return .refused(reason: "no ports to scan") }
        let result = try connection.execute("""
            INSERT IGNORE INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile,
                ports, ports_per_host, hosts_total, created_at)
            VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.int(target.userID), .int(target.id), .text(trigger), .text(target.address), .text(target.addressType),
                  .text(spec.scanProfile.rawValue), .text(spec.ports), .int(Int64(spec.portsPerHost)), .uint(spec.hostsTotal), .date(now)])
        guard result.affectedRows > 0 else { return .busy }
        return .inserted(scanID: Int64(result.lastInsertID))
    }

    /// The account's effective plan, as the API computes it (a plain read: the users row is not locked).
    static func effectivePlan(of userID: Int64, graceDays: Int, _ connection: Connection, now: Date) throws -> Plan? {
        guard let row = try connection.queryOne("""
            SELECT u.plan, s.status, s.past_due_since FROM users u LEFT JOIN subscriptions s ON s.user_id = u.id WHERE u.id = ?
            """, [.int(userID)]), let plan = Plan(rawValue: try row.string("plan")) else { return nil }
        return BillingStore.effectivePlan(plan: plan, status: try row.optionalString("status") ?? "none",
                                          pastDueSince: try row.optionalDate("past_due_since"), now: now, graceDays: graceDays)
    }
}
