// Loads what the alert diff compares against: the target's baseline (target_baselines, written by
// every write-back), or — for a target whose last scan predates baselines — one built from the
// previous completed scan (open ports, services, TLS facts, hosts up and down, covered ports).
// Also the tls_expiring alerts already raised ("<fingerprint>" or "<fingerprint>:<days>").
// Trap: a baseline that no longer decodes is ignored (rebuilt from the previous scan), never fatal.
import Foundation
import MariaDB
import SkannrCore

enum PreviousScan {
    static func baseline(targetID: Int64, before scanID: Int64, _ db: Connection) throws -> ScanSnapshot? {
        if let row = try db.queryOne("SELECT baseline FROM target_baselines WHERE target_id = ?", [.int(targetID)]),
           let baseline = try? JSONDecoder().decode(ScanSnapshot.self, from: Data(try row.string("baseline").utf8)) {
            return baseline
        }
        return try snapshot(targetID: targetID, before: scanID, db)
    }

    static func save(_ baseline: ScanSnapshot, targetID: Int64, scanID: Int64, _ db: Connection, now: Date) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .deferredToDate
        let text = String(decoding: try encoder.encode(baseline), as: UTF8.self)
        try db.execute("""
            INSERT INTO target_baselines (target_id, scan_id, baseline, updated_at) VALUES (?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE scan_id = VALUES(scan_id), baseline = VALUES(baseline), updated_at = VALUES(updated_at)
            """, [.int(targetID), .int(scanID), .text(text), .date(now)])
    }

    static func snapshot(targetID: Int64, before scanID: Int64, _ db: Connection) throws -> ScanSnapshot? {
        guard let row = try db.queryOne("""
            SELECT id, ports FROM scans WHERE target_id = ? AND status = 'completed' AND id <> ? ORDER BY id DESC LIMIT 1
            """, [.int(targetID), .int(scanID)]) else { return nil }
        let previousID = try row.int("id")
        var open: [String: [OpenPort]] = [:]
        for port in try db.query("""
            SELECT p.host, p.port, p.service, t.fingerprint_sha256, t.subject, t.issuer, t.not_after
            FROM port_results p LEFT JOIN tls_certificates t ON t.port_result_id = p.id
            WHERE p.scan_id = ? AND p.state = 'open'
            """, [.int(previousID)]) {
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
            """, [.int(previousID)]) {
            let address = try host.string("host")
            scanned.insert(address)
            if try host.string("state") == "up" { up.insert(address) }
            if let name = try host.optionalString("hostname") { names[address] = name }
            if try host.bool("accepts_all") {
                acceptsAll[address] = "answered open on almost every port"
                open[address] = nil   // its stored ports mean nothing
            }
        }
        return ScanSnapshot(openPorts: open, hostsScanned: scanned, hostsUp: up, hostnames: names,
                            coveredPorts: try? PortList.parse(try row.string("ports")), acceptsAll: acceptsAll)
    }

    static func alertedFingerprints(targetID: Int64, _ db: Connection) throws -> Set<String> {
        let prefix = "tls_expiring:"
        let rows = try db.query("SELECT dedupe_key FROM alerts WHERE target_id = ? AND dedupe_key LIKE 'tls\\_expiring:%'", [.int(targetID)])
        return Set(try rows.map { String(try $0.string("dedupe_key").dropFirst(prefix.count)) })
    }
}
