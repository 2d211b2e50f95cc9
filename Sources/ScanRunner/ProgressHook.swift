// The single call site for what a completed scan earns the account. For now: the scan_completed XP
// event (INSERT IGNORE on UNIQUE(user_id, event_key): a retried write awards nothing twice).
// The alerts/score work adds achievement and streak evaluation HERE, inside the same transaction.
import Foundation
import MariaDB
import SkannrCore

public enum ProgressHook {
    /// Runs inside the scan's write-back transaction.
    public static func scanCompleted(connection: Connection, accountID: Int64, scanID: Int64, now: Date) throws {
        let award = XPRules.scanCompleted(scanID: scanID)
        try connection.execute("""
            INSERT IGNORE INTO xp_events (user_id, kind, event_key, xp, created_at) VALUES (?, ?, ?, ?, ?)
            """, [.int(accountID), .text(award.kind.rawValue), .text(award.key), .int(Int64(award.amount)), .date(now)])
    }
}
