// A target row as the API shows it. last_scan_id/last_scan_at are the targets columns that the
// scan-runner sets in the same transaction that completes a scan, so a target read is one
// primary-key lookup.
import Foundation
import MariaDB
import SkannrCore

public struct TargetRecord: Sendable, Equatable {
    public var id: Int64
    public var address: String
    public var type: String
    public var addressCount: UInt64
    public var label: String?
    public var scanProfile: ScanProfile
    public var ports: String?
    /// Ports the owner expects open (issue 19): changes on them are rated differently (AlertPolicy).
    public var expectedPorts: String?
    public var intervalMinutes: Int?
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var lastScanID: Int64?
    public var lastScanAt: Date?
    public var nextScanAt: Date?

    static let columns = """
        t.id, t.address, t.address_type, t.address_count, t.label, t.scan_profile, t.ports, t.expected_ports,
        t.interval_minutes, t.enabled, t.created_at, t.updated_at, t.next_scan_at, t.last_scan_id, t.last_scan_at
        """

    /// For tests and in-memory values; rows come through init(row:).
    public init(id: Int64, address: String, type: String, addressCount: UInt64, label: String?, scanProfile: ScanProfile,
                ports: String?, intervalMinutes: Int?, enabled: Bool, createdAt: Date, updatedAt: Date,
                lastScanID: Int64?, lastScanAt: Date?, nextScanAt: Date?, expectedPorts: String? = nil) {
        self.expectedPorts = expectedPorts
        self.id = id
        self.address = address
        self.type = type
        self.addressCount = addressCount
        self.label = label
        self.scanProfile = scanProfile
        self.ports = ports
        self.intervalMinutes = intervalMinutes
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastScanID = lastScanID
        self.lastScanAt = lastScanAt
        self.nextScanAt = nextScanAt
    }

    init(row: Row) throws {
        id = try row.int("id")
        address = try row.string("address")
        type = try row.string("address_type")
        addressCount = try row.uint("address_count")
        label = try row.optionalString("label")
        let profile = try row.string("scan_profile")
        guard let parsed = ScanProfile(rawValue: profile) else { throw MariaDBError.client("unknown scan_profile \(profile)") }
        scanProfile = parsed
        ports = try row.optionalString("ports")
        expectedPorts = try row.optionalString("expected_ports")
        intervalMinutes = try row.optionalInt("interval_minutes").map { Int($0) }
        enabled = try row.bool("enabled")
        createdAt = try row.date("created_at")
        updatedAt = try row.date("updated_at")
        nextScanAt = try row.optionalDate("next_scan_at")
        lastScanID = try row.optionalInt("last_scan_id")
        lastScanAt = try row.optionalDate("last_scan_at")
    }
}

/// The fields of a new target, already validated by the caller.
public struct NewTarget: Sendable {
    public var address: TargetAddress
    public var label: String?
    public var scanProfile: ScanProfile
    public var ports: PortList?
    public var intervalMinutes: Int?
    public var enabled: Bool

    public init(address: TargetAddress, label: String?, scanProfile: ScanProfile, ports: PortList?,
                intervalMinutes: Int?, enabled: Bool) {
        self.address = address
        self.label = label
        self.scanProfile = scanProfile
        self.ports = ports
        self.intervalMinutes = intervalMinutes
        self.enabled = enabled
    }
}

/// The editable fields of a target after a PATCH was applied (the whole new state).
public struct TargetSettings: Sendable, Equatable {
    public var label: String?
    public var scanProfile: ScanProfile
    public var ports: String?
    public var expectedPorts: String?
    public var intervalMinutes: Int?
    public var enabled: Bool
    public var nextScanAt: Date?

    public init(_ record: TargetRecord) {
        label = record.label
        scanProfile = record.scanProfile
        ports = record.ports
        expectedPorts = record.expectedPorts
        intervalMinutes = record.intervalMinutes
        enabled = record.enabled
        nextScanAt = record.nextScanAt
    }
}
