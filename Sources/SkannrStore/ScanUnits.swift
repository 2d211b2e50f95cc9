// The units of a scan (issue 20): split at the first claim from the scan's host count and port count
// (SkannrCore.ScanWork), each unit's outcome stored when it completes (fenced by the scan's lease), so
// a runner that dies loses at most the unit it was on: whoever takes the scan over skips the done ones.
// Traps: a unit's outcome is JSON of the runner's values (every host of the slice, down ones too, and
// the full certificates); it lives only until the write-back, which deletes the units. An outcome
// that no longer decodes (an older runner's) counts as not done: the unit runs again.
import Foundation
import MariaDB
import SkannrCore

/// What one unit found, for the merge at the scan's end.
public struct UnitOutcome: Sendable, Equatable {
    public var hosts: [HostOutcome]
    public var tls: [HostPort: TLSFacts]
    /// Open ports whose TLS probe failed: state unknown this scan.
    public var tlsUnknown: Set<HostPort>
    /// Open ports not TLS-probed because the scan's cap was spent, and the probes this unit made.
    public var tlsCut: Int
    public var tlsProbes: Int
    /// Range addresses the policy skipped in this unit.
    public var skipped: Int
    /// The duration budget stopped the unit's sweep: its results are partial.
    public var partial: Bool

    public init(hosts: [HostOutcome], tls: [HostPort: TLSFacts] = [:], tlsUnknown: Set<HostPort> = [], tlsCut: Int = 0,
                tlsProbes: Int = 0, skipped: Int = 0, partial: Bool = false) {
        self.hosts = hosts
        self.tls = tls
        self.tlsUnknown = tlsUnknown
        self.tlsCut = tlsCut
        self.tlsProbes = tlsProbes
        self.skipped = skipped
        self.partial = partial
    }
}

extension UnitOutcome: Codable {
    /// A certificate with its port, every field kept (TLSFacts' own Codable keeps only the diff's).
    struct Certificate: Codable {
        var host: String, port: UInt16, version: String, cipher: String, subject: String, issuer: String, san: [String]
        var notBefore: Date, notAfter: Date, fingerprint: String, selfSigned: Bool, expired: Bool, keyType: String?
    }

    enum CodingKeys: String, CodingKey { case hosts, certificates, tlsUnknown, tlsCut, tlsProbes, skipped, partial }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hosts = try c.decode([HostOutcome].self, forKey: .hosts)
        tls = [:]
        for cert in try c.decode([Certificate].self, forKey: .certificates) {
            tls[HostPort(host: cert.host, port: cert.port)] = TLSFacts(
                version: cert.version, cipher: cert.cipher, subject: cert.subject, issuer: cert.issuer, san: cert.san,
                notBefore: cert.notBefore, notAfter: cert.notAfter, fingerprintSHA256: cert.fingerprint,
                selfSigned: cert.selfSigned, expired: cert.expired, keyType: cert.keyType)
        }
        tlsUnknown = Set(try c.decode([HostPort].self, forKey: .tlsUnknown))
        tlsCut = try c.decode(Int.self, forKey: .tlsCut)
        tlsProbes = try c.decodeIfPresent(Int.self, forKey: .tlsProbes) ?? 0
        skipped = try c.decode(Int.self, forKey: .skipped)
        partial = try c.decode(Bool.self, forKey: .partial)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hosts, forKey: .hosts)
        try c.encode(tls.map { key, f in
            Certificate(host: key.host, port: key.port, version: f.version, cipher: f.cipher, subject: f.subject, issuer: f.issuer,
                        san: f.san, notBefore: f.notBefore, notAfter: f.notAfter, fingerprint: f.fingerprint,
                        selfSigned: f.selfSigned, expired: f.expired, keyType: f.keyType)
        }, forKey: .certificates)
        try c.encode(Array(tlsUnknown), forKey: .tlsUnknown)
        try c.encode(tlsCut, forKey: .tlsCut)
        try c.encode(tlsProbes, forKey: .tlsProbes)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(partial, forKey: .partial)
    }
}

/// A unit of the held scan, with its outcome once done.
public struct ScanUnitState: Sendable, Equatable {
    public let seq: Int
    public let slice: ScanUnitSlice
    public let outcome: UnitOutcome?
}

/// Work units of a scan that will not run again (completed, failed, given up or cancelled).
enum ScanUnitRows {
    static func drop(scanID: Int64, _ db: Connection) throws {
        try db.execute("DELETE FROM scan_units WHERE scan_id = ?", [.int(scanID)])
    }
}

/// A progress fraction as the scans.progress column holds it: a percent with two decimals, below
/// 100 until the write-back says completed.
func progressPercent(_ fraction: Double) -> Double { min(99.99, max(0, (fraction * 100).rounded(.down) / 100)) }

extension ScanLifecycleStore {
    /// The units of the held scan in order; the first call splits it (`hosts` 0 for a domain).
    /// Throws LeaseLostError when the lease is gone.
    public func units(_ lease: ScanLease, hosts: Int, ports: Int, probesPerUnit: Int) throws -> [ScanUnitState] {
        try connection.transaction { db in
            guard let row = try db.queryOne("SELECT units_total FROM scans \(ScanLease.fence) FOR UPDATE", lease.fenceParams) else {
                throw lost(lease)
            }
            if try row.isNull("units_total") {
                let slices = ScanWork.split(hosts: hosts, ports: ports, probesPerUnit: probesPerUnit)
                try ScanRows.insertRows(db, "INSERT INTO scan_units (scan_id, seq, host_offset, host_count, port_offset, port_count) VALUES ",
                                        placeholders: "(?, ?, ?, ?, ?, ?)", Array(slices.enumerated())) { seq, slice in
                    [.int(lease.scanID), .int(Int64(seq)), .int(Int64(slice.hostOffset)), .int(Int64(slice.hostCount)),
                     .int(Int64(slice.portOffset)), .int(Int64(slice.portCount))]
                }
                try db.execute("UPDATE scans SET units_total = ?, units_done = 0 WHERE id = ?", [.int(Int64(slices.count)), .int(lease.scanID)])
            }
            return try db.query("""
                SELECT seq, host_offset, host_count, port_offset, port_count, outcome FROM scan_units WHERE scan_id = ? ORDER BY seq
                """, [.int(lease.scanID)]).map { unit in
                let slice = ScanUnitSlice(hostOffset: Int(try unit.int("host_offset")), hostCount: Int(try unit.int("host_count")),
                                          portOffset: Int(try unit.int("port_offset")), portCount: Int(try unit.int("port_count")))
                let outcome = try unit.optionalString("outcome").flatMap { try? JSONDecoder().decode(UnitOutcome.self, from: Data($0.utf8)) }
                return ScanUnitState(seq: Int(try unit.int("seq")), slice: slice, outcome: outcome)
            }
        }
    }

    /// Keeps a unit's outcome and the scan's progress, extending the lease, in one transaction fenced
    /// by the lease. A unit done before whose stored outcome no longer decodes was run again: its new
    /// outcome replaces the old one (`units_done` is counted from the rows, never incremented twice).
    public func completeUnit(_ lease: ScanLease, seq: Int, _ outcome: UnitOutcome, progress: Double, hostsDone: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(outcome), as: UTF8.self)
        try connection.transaction { db in
            guard try db.queryOne("SELECT id FROM scans \(ScanLease.fence) FOR UPDATE", lease.fenceParams) != nil else { throw lost(lease) }
            try db.execute("""
                UPDATE scan_units SET done_at = COALESCE(done_at, NOW(6)), outcome = ? WHERE scan_id = ? AND seq = ?
                """, [.text(text), .int(lease.scanID), .int(Int64(seq))])
            let percent = progressPercent(progress)
            try db.execute("""
                UPDATE scans SET units_done = (SELECT COUNT(*) FROM scan_units WHERE scan_id = ? AND done_at IS NOT NULL),
                    progress = ?, hosts_done = ?, lease_expires_at = DATE_ADD(NOW(6), INTERVAL ? MICROSECOND) WHERE id = ?
                """, [.int(lease.scanID), .double(percent), .int(Int64(hostsDone)), .int(lease.duration.microseconds),
                      .int(lease.scanID)])
        }
    }
}
