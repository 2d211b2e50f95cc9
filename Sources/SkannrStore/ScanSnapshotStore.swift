// A completed scan's stored results as the alert diff sees them (ScanSnapshot): open ports with
// services and TLS facts, hosts scanned and up, names, covered ports, hosts that accepted everything.
// One loader for the scan-runner (a baseline for a target whose last scan predates baselines) and
// the API's GET /scans/:id/diff, so both compare exactly the same facts with SkannrCore's ScanDiff.
// Also the target's baseline (target_baselines, written by every write-back). Trap: a baseline that
// no longer decodes is ignored (rebuilt from the previous completed scan), never fatal.
import Foundation
import MariaDB
import SkannrCore

public enum ScanSnapshotStore {
    /// The snapshot of scan `scanID` (no account check: the caller has checked ownership).
    public static func snapshot(scanID: Int64, _ db: Connection) throws -> ScanSnapshot {
        let scan = try db.queryOne("SELECT ports, address, down_hosts FROM scans WHERE id = ?", [.int(scanID)])
        let ports = try scan?.optionalString("ports")
        var open: [String: [OpenPort]] = [:]
        for port in try db.query("""
            SELECT p.host, p.port, p.service, t.fingerprint_sha256, t.subject, t.issuer, t.not_after
            FROM port_results p LEFT JOIN tls_certificates t ON t.port_result_id = p.id
            WHERE p.scan_id = ? AND p.state = 'open'
            """, [.int(scanID)]) {
            var tls: SkannrCore.TLSFacts?
            if let fingerprint = try port.optionalString("fingerprint_sha256") {
                tls = SkannrCore.TLSFacts(fingerprint: fingerprint, subject: try port.string("subject"),
                                          issuer: try port.string("issuer"), notAfter: try port.date("not_after"))
            }
            let number = UInt16(clamping: try port.int("port"))
            open[try port.string("host"), default: []].append(OpenPort(port: number, service: try port.optionalString("service"), tls: tls))
        }
        var scanned: Set<String> = [], up: Set<String> = [], names: [String: String] = [:], acceptsAll: [String: String] = [:]
        for host in try db.query("""
            SELECT host, hostname, state, accepts_all FROM scan_hosts WHERE scan_id = ? AND note IS NULL
            """, [.int(scanID)]) {
            let address = try host.string("host")
            scanned.insert(address)
            if try host.string("state") == "up" { up.insert(address) }
            if let name = try host.optionalString("hostname") { names[address] = name }
            if try host.bool("accepts_all") {
                acceptsAll[address] = "answered open on almost every port"
                open[address] = nil   // its stored ports mean nothing
            }
        }
        if let scan {   // a CIDR scan's down hosts are runs, not rows
            scanned.formUnion(DownHostRuns.decode(try scan.optionalString("down_hosts"), range: try scan.string("address")))
        }
        return ScanSnapshot(openPorts: open, hostsScanned: scanned, hostsUp: up, hostnames: names,
                            coveredPorts: ports.flatMap { try? PortList.parse($0) }, acceptsAll: acceptsAll)
    }

    /// The id of the account's last completed scan of `targetID` before `scanID`, or nil.
    public static func previousCompleted(accountID: Int64, targetID: Int64, before scanID: Int64, _ db: Connection) throws -> Int64? {
        try db.queryOne("""
            SELECT id FROM scans WHERE user_id = ? AND target_id = ? AND status = 'completed' AND id < ? ORDER BY id DESC LIMIT 1
            """, [.int(accountID), .int(targetID), .int(scanID)])?.int("id")
    }

    /// The id of the last completed scan of `targetID` before `scanID` (any account: the runner's side), or nil.
    static func previousCompleted(targetID: Int64, before scanID: Int64, _ db: Connection) throws -> Int64? {
        try db.queryOne("""
            SELECT id FROM scans WHERE target_id = ? AND status = 'completed' AND id < ? ORDER BY id DESC LIMIT 1
            """, [.int(targetID), .int(scanID)])?.int("id")
    }

    /// What the diff of a new scan of `targetID` compares against: the stored baseline, or for a target
    /// whose last scan predates baselines, the snapshot of its previous completed scan.
    static func baseline(targetID: Int64, before scanID: Int64, _ db: Connection) throws -> ScanSnapshot? {
        if let row = try db.queryOne("SELECT baseline FROM target_baselines WHERE target_id = ?", [.int(targetID)]),
           let baseline = try? JSONDecoder().decode(ScanSnapshot.self, from: Data(try row.string("baseline").utf8)) {
            return baseline
        }
        return try previousCompleted(targetID: targetID, before: scanID, db).map { try snapshot(scanID: $0, db) }
    }

    static func saveBaseline(_ baseline: ScanSnapshot, targetID: Int64, scanID: Int64, _ db: Connection, now: Date) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .deferredToDate
        let text = String(decoding: try encoder.encode(baseline), as: UTF8.self)
        try db.execute("""
            INSERT INTO target_baselines (target_id, scan_id, baseline, updated_at) VALUES (?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE scan_id = VALUES(scan_id), baseline = VALUES(baseline), updated_at = VALUES(updated_at)
            """, [.int(targetID), .int(scanID), .text(text), .date(now)])
    }
}
