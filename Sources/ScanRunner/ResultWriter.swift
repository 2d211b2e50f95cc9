// Writes a completed scan in ONE transaction, fenced by the lease and idempotent:
//  1. lock the scan row (FOR UPDATE) and check lease_owner + status = running (else leaseLost, nothing written);
//  2. delete this scan's scan_hosts/port_results (tls_certificates cascade): a re-run starts clean;
//  3. insert scan_hosts, port_results (open ports, service names), tls_certificates;
//  4. diff against the target's baseline with the confirmation answers → alerts (INSERT IGNORE on
//     UNIQUE(target_id, dedupe_key)); host_down alerts of recovered hosts resolved; the next
//     baseline replaces the old one (same transaction: a rolled-back write leaves it untouched);
//  5. scans → completed (fenced again), targets → last_scan_id/last_scan_at;
//  6. ProgressHook.scanCompleted (XP, streak milestones, achievements; INSERT IGNORE) — after 5, so
//     its facts include this scan.
// Trap: SkannrCore.TLSFacts (diff input) and ScanEngine.TLSFacts (probe output) share a name.
import Foundation
import MariaDB
import ScanEngine
import SkannrCore
import SkannrStore

public struct WriteSummary: Sendable, Equatable {
    public let hosts: Int
    public let hostsUp: Int
    public let openPorts: Int
    public let tlsCertificates: Int
    public let alerts: Int
}

struct ResultWriter {
    var diff = ScanDiff()
    static let rowsPerInsert = 200

    func write(_ outcome: ScanOutcome, scan: ClaimedScan, connection: Connection, now: Date) throws -> WriteSummary {
        try connection.transaction { db in
            // The account row first: completions of one account's scans (XP and achievement rows,
            // unique keys) run one after another instead of deadlocking on each other's gap locks.
            _ = try db.queryOne("SELECT id FROM users WHERE id = ? FOR UPDATE", [.int(scan.userID)])
            let locked = try db.queryOne("SELECT status, lease_owner FROM scans WHERE id = ? FOR UPDATE", [.int(scan.id)])
            guard let locked, try locked.string("status") == "running", try locked.optionalString("lease_owner") == scan.leaseOwner else {
                throw RunnerError(.leaseLost, "scan \(scan.id) is no longer held by \(scan.leaseOwner)")
            }
            try db.execute("DELETE FROM port_results WHERE scan_id = ?", [.int(scan.id)])
            try db.execute("DELETE FROM scan_hosts WHERE scan_id = ?", [.int(scan.id)])
            try insertHosts(outcome.hosts, scanID: scan.id, db)
            try insertPorts(outcome.hosts, scanID: scan.id, db)
            let certificates = try insertCertificates(outcome.tls, scanID: scan.id, db)
            let alerts = try insertAlerts(outcome, scan: scan, db, now: now)
            let scanned = outcome.scannedHosts
            let done = try db.execute("""
                UPDATE scans SET status = 'completed', finished_at = ?, open_ports = ?, progress = 100, hosts_done = ?,
                    hosts_total = ?, error = ?, limits_hit = ?, lease_owner = NULL, lease_expires_at = NULL
                \(LeaseFence.fence)
                """, [.date(now), .int(Int64(outcome.openPortCount)), .int(Int64(scanned.count)), .int(Int64(outcome.hosts.count)),
                      SQLValue(outcome.remark.map { String($0.prefix(1000)) }),
                      outcome.limitsHit.isEmpty ? .null : .text(Self.jsonArray(outcome.limitsHit)), .int(scan.id), .text(scan.leaseOwner)])
            guard done.affectedRows > 0 else { throw RunnerError(.leaseLost, "scan \(scan.id) changed during the write") }
            try db.execute("""
                UPDATE targets SET last_scan_id = ?, last_scan_at = ? WHERE id = ? AND (last_scan_id IS NULL OR last_scan_id <= ?)
                """, [.int(scan.id), .date(now), .int(scan.targetID), .int(scan.id)])
            try ProgressHook.scanCompleted(connection: db, accountID: scan.userID, scanID: scan.id, now: now)
            return WriteSummary(hosts: outcome.hosts.count, hostsUp: scanned.filter(\.up).count, openPorts: outcome.openPortCount,
                                tlsCertificates: certificates, alerts: alerts)
        }
    }

    private func insertHosts(_ hosts: [HostOutcome], scanID: Int64, _ db: Connection) throws {
        try insertRows(db, """
            INSERT INTO scan_hosts (scan_id, host, host_key, hostname, state, open_count, closed_count, filtered_count, note,
                accepts_all, notes) VALUES
            """, placeholders: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hosts) { host in
            [.int(scanID), .text(host.host), .blob(host.hostKey), SQLValue(host.hostname), .text(host.up ? "up" : "down"),
             .int(Int64(host.openFound ?? host.openPorts.count)), .int(Int64(host.closedCount)), .int(Int64(host.filteredCount)),
             SQLValue(host.note), SQLValue(host.acceptsAll != nil), host.notes.isEmpty ? .null : .text(Self.jsonArray(host.notes))]
        }
    }

    /// Inserts one row per open port.
    private func insertPorts(_ hosts: [HostOutcome], scanID: Int64, _ db: Connection) throws {
        let ports = hosts.flatMap { host in host.openPorts.map { (host, $0) } }
        try insertRows(db, "INSERT INTO port_results (scan_id, host, host_key, port, state, service) VALUES ",
                       placeholders: "(?, ?, ?, ?, 'open', ?)", ports) { host, port in
            [.int(scanID), .text(host.host), .blob(host.hostKey), .int(Int64(port)), SQLValue(PortCatalog.serviceName(for: port))]
        }
    }

    /// One row per probed certificate, tied to its port row (the ids are read back only when there is one).
    private func insertCertificates(_ tls: [HostPort: ScanEngine.TLSFacts], scanID: Int64, _ db: Connection) throws -> Int {
        guard !tls.isEmpty else { return 0 }
        var portIDs: [HostPort: Int64] = [:]
        for row in try db.query("SELECT id, host, port FROM port_results WHERE scan_id = ?", [.int(scanID)]) {
            portIDs[HostPort(host: try row.string("host"), port: UInt16(clamping: try row.int("port")))] = try row.int("id")
        }
        let rows = tls.compactMap { key, facts in portIDs[key].map { ($0, facts) } }.sorted { $0.0 < $1.0 }
        try insertRows(db, """
            INSERT INTO tls_certificates (port_result_id, scan_id, version, cipher, subject, issuer, san, not_before, not_after,
                fingerprint_sha256, self_signed, expired) VALUES
            """, placeholders: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows) { id, facts in
            [.int(id), .int(scanID), .text(String(facts.version.prefix(32))), .text(String(facts.cipher.prefix(128))),
             .text(String(facts.subject.prefix(1024))), .text(String(facts.issuer.prefix(1024))), .text(Self.jsonArray(facts.san)),
             .date(facts.notBefore), .date(facts.notAfter), .text(facts.fingerprintSHA256), SQLValue(facts.selfSigned), SQLValue(facts.expired)]
        }
        return rows.count
    }

    private func insertAlerts(_ outcome: ScanOutcome, scan: ClaimedScan, _ db: Connection, now: Date) throws -> Int {
        let baseline = try PreviousScan.baseline(targetID: scan.targetID, before: scan.id, db)
        let alerted = try PreviousScan.alertedFingerprints(targetID: scan.targetID, db)
        let result = diff.evaluate(baseline: baseline, current: Self.snapshot(outcome), answers: outcome.confirmations,
                                   alreadyAlerted: alerted, now: now)
        var inserted = 0
        // Expected ports and accepted risks of the target (issue 19) adjust or drop the diff's alerts.
        for draft in try TargetAlertPolicy.load(targetID: scan.targetID, db).apply(to: result.alerts) {
            let row = try db.execute("""
                INSERT IGNORE INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
                """, [.int(scan.userID), .int(scan.targetID), .int(scan.id), .text(draft.type.rawValue), .text(draft.severity.rawValue),
                      .text(draft.host), SQLValue(draft.port.map { Int64($0) }), .text(String(draft.title.prefix(255))), .text(Self.json(draft.details)),
                      .text(Self.dedupeKey(draft, scanID: scan.id)), .date(now)])
            inserted += Int(row.affectedRows)
            if row.affectedRows > 0 {   // the outbox, in this transaction (issue 18)
                try NotificationOutbox.enqueue(alertID: Int64(row.lastInsertID), accountID: scan.userID, event: .alertOpened, db, now: now)
            }
        }
        for identity in result.recovered {
            try db.execute("""
                UPDATE alerts SET status = 'resolved', resolved_at = ?
                WHERE target_id = ? AND type = 'host_down' AND status <> 'resolved' AND JSON_VALUE(details, '$.identity') = ?
                """, [.date(now), .int(scan.targetID), .text(identity)])
        }
        try PreviousScan.save(result.baseline, targetID: scan.targetID, scanID: scan.id, db, now: now)
        return inserted
    }

    /// "new_port:<scan>:<host>:<port>" ("-" for host alerts); tls_expiring once per certificate and
    /// threshold: "tls_expiring:<fingerprint>:<days>".
    static func dedupeKey(_ draft: AlertDraft, scanID: Int64) -> String {
        if draft.type == .tlsExpiring, let fingerprint = draft.certificateFingerprint {
            return "tls_expiring:\(fingerprint)" + (draft.expiryThreshold.map { ":\($0)" } ?? "")
        }
        return "\(draft.type.rawValue):\(scanID):\(draft.host):\(draft.port.map(String.init) ?? "-")"
    }

    /// The diff's view of this scan: hosts of a domain matched by name, cut hosts partial, TLS facts
    /// with key type, ports whose probe found no TLS marked plain (a failed probe is unknown, not plain).
    static func snapshot(_ outcome: ScanOutcome) -> ScanSnapshot {
        var open: [String: [OpenPort]] = [:]
        var names: [String: String] = [:]
        var acceptsAll: [String: String] = [:]
        for host in outcome.scannedHosts {
            if let name = host.hostname { names[host.host] = name }
            if let reason = host.acceptsAll { acceptsAll[host.host] = reason }
            open[host.host] = host.openPorts.map { port in
                let key = HostPort(host: host.host, port: port)
                let tls = outcome.tls[key].map {
                    SkannrCore.TLSFacts(fingerprint: $0.fingerprintSHA256, subject: $0.subject, issuer: $0.issuer, notAfter: $0.notAfter,
                                        keyType: $0.keyType == "unknown" ? nil : $0.keyType)
                }
                // Not in `tls` and not unknown: the probe established that the port does not speak TLS.
                let plain = tls == nil && !outcome.tlsUnknown.contains(key) && host.acceptsAll == nil
                return OpenPort(port: port, service: PortCatalog.serviceName(for: port), tls: tls, plain: plain)
            }
        }
        let scanned = outcome.scannedHosts
        var snapshot = ScanSnapshot(openPorts: open, hostsScanned: Set(scanned.map(\.host)), hostsUp: Set(scanned.filter(\.up).map(\.host)),
                                    hostnames: names, coveredPorts: outcome.coveredPorts, acceptsAll: acceptsAll,
                                    partial: Set(scanned.filter(\.partial).map(\.host)))
        for host in scanned where !host.unanswered.isEmpty && host.acceptsAll == nil { snapshot.unanswered[host.host] = host.unanswered }
        return snapshot
    }

    static func json(_ value: [String: JSONValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func jsonArray(_ values: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// Multi-row INSERTs of at most rowsPerInsert rows (few distinct SQL texts for the statement cache).
    private func insertRows<T>(_ db: Connection, _ head: String, placeholders: String, _ items: [T],
                               _ values: (T) -> [SQLValue]) throws {
        var start = 0
        while start < items.count {
            let end = min(items.count, start + Self.rowsPerInsert)
            let sql = head + Array(repeating: placeholders, count: end - start).joined(separator: ", ")
            try db.execute(sql, items[start..<end].flatMap(values))
            start = end
        }
    }
}
