// The single call site for what a completed scan earns the account: ProgressStore.scanCompleted
// (scan XP, streak milestones, achievements; INSERT IGNORE, so a retried write awards nothing twice).
// Trap: it runs inside the write-back transaction AFTER the scan row is marked completed, so the
// facts it reads (completed scans, streak days, latest scan per target) include this scan.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore

public enum ProgressHook {
    /// Runs inside the scan's write-back transaction.
    public static func scanCompleted(connection: Connection, accountID: Int64, scanID: Int64, now: Date) throws {
        try ProgressStore.scanCompleted(connection: connection, accountID: accountID, scanID: scanID, now: now)
    }
}
