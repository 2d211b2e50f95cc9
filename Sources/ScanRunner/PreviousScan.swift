// Loads what the alert diff compares against: the previous completed scan of the same target (its
// open ports, services and TLS fingerprints, and the hosts it covered), and the certificate
// fingerprints already alerted as expiring for the target (from alert dedupe keys "tls_expiring:<fp>").
import Foundation
import MariaDB
import SkannrCore

enum PreviousScan {
    static func snapshot(targetID: Int64, before scanID: Int64, _ db: Connection) throws -> ScanSnapshot? {
        guard let row = try db.queryOne("""
            SELECT id FROM scans WHERE target_id = ? AND status = 'completed' AND id <> ? ORDER BY id DESC LIMIT 1
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
        let hosts = try db.query("SELECT host FROM scan_hosts WHERE scan_id = ? AND note IS NULL", [.int(previousID)])
        return ScanSnapshot(openPorts: open, hostsScanned: Set(try hosts.map { try $0.string("host") }))
    }

    static func alertedFingerprints(targetID: Int64, _ db: Connection) throws -> Set<String> {
        let prefix = "tls_expiring:"
        let rows = try db.query("SELECT dedupe_key FROM alerts WHERE target_id = ? AND dedupe_key LIKE 'tls\\_expiring:%'", [.int(targetID)])
        return Set(try rows.map { String(try $0.string("dedupe_key").dropFirst(prefix.count)) })
    }
}
