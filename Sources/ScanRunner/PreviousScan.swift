// Loads what the alert diff compares against: the target's baseline (target_baselines, written by
// every write-back), or — for a target whose last scan predates baselines — one built from the
// previous completed scan (open ports, services, TLS facts, hosts up and down, covered ports).
// Also the tls_expiring alerts already raised ("<fingerprint>" or "<fingerprint>:<days>").
// Trap: a baseline that no longer decodes is ignored (rebuilt from the previous scan), never fatal.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore

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
            SELECT id FROM scans WHERE target_id = ? AND status = 'completed' AND id <> ? ORDER BY id DESC LIMIT 1
            """, [.int(targetID), .int(scanID)]) else { return nil }
        return try ScanSnapshotStore.snapshot(scanID: try row.int("id"), db)
    }

    static func alertedFingerprints(targetID: Int64, _ db: Connection) throws -> Set<String> {
        let prefix = "tls_expiring:"
        let rows = try db.query("SELECT dedupe_key FROM alerts WHERE target_id = ? AND dedupe_key LIKE 'tls\\_expiring:%'", [.int(targetID)])
        return Set(try rows.map { String(try $0.string("dedupe_key").dropFirst(prefix.count)) })
    }
}
