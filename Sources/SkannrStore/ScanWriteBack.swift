// Writes a completed scan in ONE transaction, fenced by the lease and idempotent:
//  1. lock the account row, then the scan row (FOR UPDATE) and check lease_owner + status = running
//     (else LeaseLostError, nothing written);
//  2. delete this scan's scan_hosts/port_results (tls_certificates cascade): a re-run starts clean;
//  3. insert scan_hosts (a CIDR scan's plain down hosts as runs in scans.down_hosts instead: ScanDownHosts),
//     port_results (open ports, service names), tls_certificates;
//  4. diff against the target's baseline with the confirmation answers → alerts (INSERT IGNORE on
//     UNIQUE(target_id, dedupe_key)) and their notification outbox rows; host_down alerts of recovered
//     hosts resolved; the next baseline replaces the old one (a rolled-back write leaves it untouched);
//  5. scans → completed (fenced again), targets → last_scan_id/last_scan_at;
//  6. ProgressStore.scanCompleted (XP, streak milestones, achievements; INSERT IGNORE) — after 5, so
//     its facts include this scan; the scan's units (ScanUnits) are deleted: their outcomes are merged above.
import Foundation
import MariaDB
import SkannrCore

public struct WriteSummary: Sendable, Equatable {
    public let hosts: Int
    public let hostsUp: Int
    public let openPorts: Int
    public let tlsCertificates: Int
    public let alerts: Int
}

extension ScanLifecycleStore {
    /// Stores `outcome` as the result of the held scan and completes it; `diff` decides the alerts.
    public func complete(_ scan: ClaimedScan, _ outcome: ScanOutcome, diff: ScanDiff = ScanDiff(), now: Date) throws -> WriteSummary {
        try connection.transaction { db in
            // The account row first: completions of one account's scans (XP and achievement rows,
            // unique keys) run one after another instead of deadlocking on each other's gap locks.
            _ = try db.queryOne("SELECT id FROM users WHERE id = ? FOR UPDATE", [.int(scan.userID)])
            guard try db.queryOne("SELECT id FROM scans \(ScanLease.fence) FOR UPDATE", [.int(scan.id), .text(scan.leaseOwner)]) != nil else {
                throw LeaseLostError(message: "scan \(scan.id) is no longer held by \(scan.leaseOwner)")
            }
            try db.execute("DELETE FROM port_results WHERE scan_id = ?", [.int(scan.id)])
            try db.execute("DELETE FROM scan_hosts WHERE scan_id = ?", [.int(scan.id)])
            // A CIDR scan's plain down hosts are runs in scans.down_hosts, not a row each (issue 20).
            let compact = scan.addressType == "cidr"
            let plainDown = { (host: HostOutcome) in !host.up && host.note == nil && host.notes.isEmpty && host.acceptsAll == nil }
            let downRuns = compact ? DownHostRuns.encode(Set(outcome.hosts.filter(plainDown).map(\.host)), range: scan.address) : nil
            try ScanRows.insertHosts(downRuns == nil ? outcome.hosts : outcome.hosts.filter { !plainDown($0) }, scanID: scan.id, db)
            try ScanRows.insertPorts(outcome.hosts, scanID: scan.id, db)
            let certificates = try ScanRows.insertCertificates(outcome.tls, scanID: scan.id, db)
            let alerts = try insertAlerts(outcome, scan: scan, diff: diff, db, now: now)
            let scanned = outcome.scannedHosts
            let done = try db.execute("""
                UPDATE scans SET status = 'completed', finished_at = ?, open_ports = ?, progress = 100, hosts_done = ?,
                    hosts_total = ?, error = ?, limits_hit = ?, down_hosts = ?, lease_owner = NULL, lease_expires_at = NULL
                \(ScanLease.fence)
                """, [.date(now), .int(Int64(outcome.openPortCount)), .int(Int64(scanned.count)), .int(Int64(outcome.hosts.count)),
                      SQLValue(outcome.remark.map { String($0.prefix(1000)) }),
                      outcome.limitsHit.isEmpty ? .null : .text(ScanRows.jsonArray(outcome.limitsHit)), SQLValue(downRuns),
                      .int(scan.id), .text(scan.leaseOwner)])
            guard done.affectedRows > 0 else { throw LeaseLostError(message: "scan \(scan.id) changed during the write") }
            try db.execute("""
                UPDATE targets SET last_scan_id = ?, last_scan_at = ? WHERE id = ? AND (last_scan_id IS NULL OR last_scan_id <= ?)
                """, [.int(scan.id), .date(now), .int(scan.targetID), .int(scan.id)])
            try ProgressStore.scanCompleted(connection: db, accountID: scan.userID, scanID: scan.id, now: now)
            try ScanUnitRows.drop(scanID: scan.id, db)   // merged into the results above
            return WriteSummary(hosts: outcome.hosts.count, hostsUp: scanned.filter(\.up).count, openPorts: outcome.openPortCount,
                                tlsCertificates: certificates, alerts: alerts)
        }
    }

    /// The target's baseline (what the diff compares a new scan of it against).
    public func baseline(targetID: Int64, before scanID: Int64) throws -> ScanSnapshot? {
        try ScanSnapshotStore.baseline(targetID: targetID, before: scanID, connection)
    }

    private func insertAlerts(_ outcome: ScanOutcome, scan: ClaimedScan, diff: ScanDiff, _ db: Connection, now: Date) throws -> Int {
        let baseline = try ScanSnapshotStore.baseline(targetID: scan.targetID, before: scan.id, db)
        let alerted = try Self.alertedFingerprints(targetID: scan.targetID, db)
        let result = diff.evaluate(baseline: baseline, current: outcome.snapshot, answers: outcome.confirmations,
                                   alreadyAlerted: alerted, now: now)
        var opened: [Int64] = []
        // Expected ports and accepted risks of the target (issue 19) adjust or drop the diff's alerts.
        for draft in try Self.alertPolicy(targetID: scan.targetID, db).apply(to: result.alerts) {
            let row = try db.execute("""
                INSERT IGNORE INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
                """, [.int(scan.userID), .int(scan.targetID), .int(scan.id), .text(draft.type.rawValue), .text(draft.severity.rawValue),
                      .text(draft.host), SQLValue(draft.port.map { Int64($0) }), .text(String(draft.title.prefix(255))), .text(ScanRows.json(draft.details)),
                      .text(Self.dedupeKey(draft, scanID: scan.id)), .date(now)])
            if row.affectedRows > 0 { opened.append(Int64(row.lastInsertID)) }
        }
        let recovered = try resolveRecoveredHosts(result.recovered, targetID: scan.targetID, db, now: now)
        // The outbox, in this transaction (issue 18): the auto-resolved host_down alerts are
        // announced like a user's resolve.
        try NotificationOutbox.enqueue(alertIDs: opened, accountID: scan.userID, event: .alertOpened, db, now: now)
        try NotificationOutbox.enqueue(alertIDs: recovered, accountID: scan.userID, event: .alertResolved, db, now: now)
        try ScanSnapshotStore.saveBaseline(result.baseline, targetID: scan.targetID, scanID: scan.id, db, now: now)
        return opened.count
    }

    /// Resolves the open host_down alerts of hosts that answer again; returns their ids.
    private func resolveRecoveredHosts(_ identities: [String], targetID: Int64, _ db: Connection, now: Date) throws -> [Int64] {
        var resolved: [Int64] = []
        for identity in identities {
            let ids = try db.query("""
                SELECT id FROM alerts
                WHERE target_id = ? AND type = 'host_down' AND status <> 'resolved' AND JSON_VALUE(details, '$.identity') = ?
                FOR UPDATE
                """, [.int(targetID), .text(identity)]).map { try $0.int("id") }
            for id in ids {
                try db.execute("UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ?", [.date(now), .int(id)])
            }
            resolved += ids
        }
        return resolved
    }

    /// "new_port:<scan>:<host>:<port>" ("-" for host alerts); tls_expiring once per certificate and
    /// threshold: "tls_expiring:<fingerprint>:<days>".
    static func dedupeKey(_ draft: AlertDraft, scanID: Int64) -> String {
        if draft.type == .tlsExpiring, let fingerprint = draft.certificateFingerprint {
            return "tls_expiring:\(fingerprint)" + (draft.expiryThreshold.map { ":\($0)" } ?? "")
        }
        return "\(draft.type.rawValue):\(scanID):\(draft.host):\(draft.port.map(String.init) ?? "-")"
    }

    /// The tls_expiring alerts already raised for the target ("<fingerprint>" or "<fingerprint>:<days>").
    static func alertedFingerprints(targetID: Int64, _ db: Connection) throws -> Set<String> {
        let prefix = "tls_expiring:"
        let rows = try db.query("SELECT dedupe_key FROM alerts WHERE target_id = ? AND dedupe_key LIKE 'tls\\_expiring:%'", [.int(targetID)])
        return Set(try rows.map { String(try $0.string("dedupe_key").dropFirst(prefix.count)) })
    }

    /// The target's AlertPolicy: its expected ports and the (host, port, type) whose latest alert is
    /// accepted. Trap: an expected_ports text that no longer parses counts as none.
    static func alertPolicy(targetID: Int64, _ db: Connection) throws -> AlertPolicy {
        let text = try db.queryOne("SELECT expected_ports FROM targets WHERE id = ?", [.int(targetID)])?.optionalString("expected_ports")
        var accepted: Set<AlertPolicy.Accepted> = []
        // The latest alert per (host, port) of the target, when it is accepted.
        for row in try db.query("""
            SELECT a.host, a.port, a.type FROM alerts a
            WHERE a.target_id = ? AND a.status = 'accepted' AND NOT EXISTS (
                SELECT 1 FROM alerts b WHERE b.target_id = a.target_id AND b.host = a.host
                  AND b.port <=> a.port AND b.id > a.id)
            """, [.int(targetID)]) {
            guard let type = AlertDraft.Kind(rawValue: try row.string("type")) else { continue }
            accepted.insert(.init(host: try row.string("host"), port: try row.optionalInt("port").map { UInt16(clamping: $0) }, type: type))
        }
        return AlertPolicy(expectedPorts: text.flatMap { try? PortList.parse($0) }, accepted: accepted)
    }
}

/// The result rows of a scan: scan_hosts, port_results, tls_certificates (multi-row INSERTs).
enum ScanRows {
    static let rowsPerInsert = 200

    static func insertHosts(_ hosts: [HostOutcome], scanID: Int64, _ db: Connection) throws {
        try insertRows(db, """
            INSERT INTO scan_hosts (scan_id, host, host_key, hostname, state, open_count, closed_count, filtered_count, note,
                accepts_all, notes) VALUES
            """, placeholders: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", hosts) { host in
            [.int(scanID), .text(host.host), .blob(host.hostKey), SQLValue(host.hostname), .text(host.up ? "up" : "down"),
             .int(Int64(host.openFound ?? host.openPorts.count)), .int(Int64(host.closedCount)), .int(Int64(host.filteredCount)),
             SQLValue(host.note), SQLValue(host.acceptsAll != nil), host.notes.isEmpty ? .null : .text(jsonArray(host.notes))]
        }
    }

    /// One row per open port.
    static func insertPorts(_ hosts: [HostOutcome], scanID: Int64, _ db: Connection) throws {
        let ports = hosts.flatMap { host in host.openPorts.map { (host, $0) } }
        try insertRows(db, "INSERT INTO port_results (scan_id, host, host_key, port, state, service) VALUES ",
                       placeholders: "(?, ?, ?, ?, 'open', ?)", ports) { host, port in
            [.int(scanID), .text(host.host), .blob(host.hostKey), .int(Int64(port)), SQLValue(PortCatalog.serviceName(for: port))]
        }
    }

    /// One row per probed certificate, tied to its port row (the ids are read back only when there is one).
    static func insertCertificates(_ tls: [HostPort: TLSFacts], scanID: Int64, _ db: Connection) throws -> Int {
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
             .text(String(facts.subject.prefix(1024))), .text(String(facts.issuer.prefix(1024))), .text(jsonArray(facts.san)),
             .date(facts.notBefore), .date(facts.notAfter), .text(facts.fingerprint), SQLValue(facts.selfSigned), SQLValue(facts.expired)]
        }
        return rows.count
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
    static func insertRows<T>(_ db: Connection, _ head: String, placeholders: String, _ items: [T],
                              _ values: (T) -> [SQLValue]) throws {
        var start = 0
        while start < items.count {
            let end = min(items.count, start + rowsPerInsert)
            let sql = head + Array(repeating: placeholders, count: end - start).joined(separator: ", ")
            try db.execute(sql, items[start..<end].flatMap(values))
            start = end
        }
    }
}
