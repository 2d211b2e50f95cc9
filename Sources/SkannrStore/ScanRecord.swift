// A scan row as the API shows it, and the snapshot rule: what a new scan copies from its target.
// Trap: `ports` keeps quick/standard in nmap rank order ("80,23,443,..."), full is "1-65535", custom
// the canonical list; PortList.parse reads all three (it sorts; the runner may keep the order).
import Foundation
import MariaDB
import SkannrCore

public enum ScanStatus: String, CaseIterable, Sendable {
    case pending, running, completed, failed, cancelled

    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

public enum ScanTrigger: String, CaseIterable, Sendable {
    case manual, scheduled, bulk
}

public struct ScanRecord: Sendable, Equatable {
    public var id: Int64
    public var targetID: Int64
    public var status: ScanStatus
    public var trigger: ScanTrigger
    public var scanProfile: ScanProfile
    public var progress: Double
    public var hostsTotal: Int64
    public var hostsDone: Int64
    public var portsPerHost: Int64
    public var openPorts: Int64
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var error: String?
    /// Budgets the scan ran into (issue 14); empty when none.
    public var limitsHit: [String]
    /// When retention deleted this scan's per-host/per-port rows (issue 20); its summary stays.
    public var resultsPrunedAt: Date?

    static let columns = """
        id, target_id, status, trigger_kind, scan_profile, progress, hosts_total, hosts_done, ports_per_host,
        open_ports, created_at, started_at, finished_at, error, limits_hit, results_pruned_at
        """

    init(row: Row) throws {
        id = try row.int("id")
        targetID = try row.int("target_id")
        let statusText = try row.string("status"), triggerText = try row.string("trigger_kind")
        let profileText = try row.string("scan_profile")
        guard let status = ScanStatus(rawValue: statusText), let trigger = ScanTrigger(rawValue: triggerText),
              let profile = ScanProfile(rawValue: profileText) else {
            throw MariaDBError.client("unknown scan enum value \(statusText)/\(triggerText)/\(profileText)")
        }
        self.status = status
        self.trigger = trigger
        scanProfile = profile
        progress = try row.double("progress")
        hostsTotal = try row.int("hosts_total")
        hostsDone = try row.int("hosts_done")
        portsPerHost = try row.int("ports_per_host")
        openPorts = try row.int("open_ports")
        createdAt = try row.date("created_at")
        startedAt = try row.optionalDate("started_at")
        finishedAt = try row.optionalDate("finished_at")
        error = try row.optionalString("error")
        limitsHit = Self.strings(try row.optionalString("limits_hit"))
        resultsPrunedAt = try row.optionalDate("results_pruned_at")
    }

    /// A JSON array of strings column; NULL or broken JSON reads as empty.
    static func strings(_ json: String?) -> [String] {
        guard let json else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}

/// What a new scan copies from its target so later edits do not change it.
public struct ScanSpec: Sendable, Equatable {
    public var address: String
    public var addressType: String
    public var scanProfile: ScanProfile
    public var ports: String
    public var portsPerHost: Int
    /// Addresses to scan: the CIDR size or 1 for an IP; 0 for a domain until the runner resolves it.
    public var hostsTotal: UInt64

    public init(target: TargetRecord) {
        address = target.address
        addressType = target.type
        scanProfile = target.scanProfile
        let custom = target.ports.flatMap { try? PortList.parse($0) }
        switch target.scanProfile {
        case .quick, .standard:
            ports = PortCatalog.ports(for: target.scanProfile, custom: nil).map(String.init).joined(separator: ",")
        case .full: ports = "1-65535"
        case .custom: ports = custom?.description ?? ""
        }
        portsPerHost = PortCatalog.portCount(for: target.scanProfile, custom: custom)
        hostsTotal = target.type == "domain" ? 0 : min(target.addressCount, UInt64(UInt32.max))
    }
}
