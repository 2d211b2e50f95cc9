// Use cases of scans that read more than one row: the two completed scans a diff compares, with
// the account's scoping, the default base (the target's previous completed scan) and the checks.
import Foundation
import SkannrCore
import SkannrStore

enum ScanUseCases {
    struct DiffPair {
        let scan: ScanRecord
        let base: ScanRecord
        let before: ScanSnapshot
        let after: ScanSnapshot
    }

    /// The account's `scan`, the one it is compared with (`against`, else the target's previous
    /// completed scan) and both snapshots. 404 for another account's base, 409 unless both are
    /// completed scans of one target.
    /// A scan whose per-host and per-port results retention deleted has no results to list or compare:
    /// 409, never an empty answer that reads as "nothing open".
    static func requireKeptResults(_ scan: ScanRecord) throws {
        guard let pruned = scan.resultsPrunedAt else { return }
        throw APIError(.conflict, "The results of scan \(scan.id) were deleted by retention on \(pruned.formatted(.iso8601)) (the plan keeps the latest scans of each target and every scan that raised an alert); its summary row stays")
    }

    static func diffPair(scan: ScanRecord, against: Int64?, accountID: Int64, stores: Stores) throws -> DiffPair {
        let scans = stores.scans()
        guard scan.status == .completed else {
            throw APIError(.scanNotCompleted, "The scan is \(scan.status.rawValue); a diff needs two completed scans")
        }
        let base: ScanRecord
        if let against {
            guard let found = try scans.find(accountID: accountID, id: against) else { throw APIError.notFound("Scan") }
            base = found
        } else {
            guard let previous = try stores.previousCompletedScan(accountID: accountID, targetID: scan.targetID, before: scan.id),
                  let found = try scans.find(accountID: accountID, id: previous) else {
                throw APIError(.conflict, "The target has no completed scan before this one; name one with ?against=")
            }
            base = found
        }
        guard base.status == .completed else {
            throw APIError(.scanNotCompleted, "Scan \(base.id) is \(base.status.rawValue); a diff needs two completed scans")
        }
        guard base.targetID == scan.targetID else {
            throw APIError(.conflict, "Scans \(scan.id) and \(base.id) belong to different targets")
        }
        try requireKeptResults(scan)
        try requireKeptResults(base)
        return DiffPair(scan: scan, base: base, before: try stores.scanSnapshot(scanID: base.id), after: try stores.scanSnapshot(scanID: scan.id))
    }
}
