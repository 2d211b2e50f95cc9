// RetentionStore against a migrated database: what the policy prunes and keeps, account isolation,
// the bounds of one run, and the named lock that lets only one job work at a time.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isAvailable))
struct RetentionStoreTests {
    let fixture: ProgressFixture
    var db: Connection { fixture.db }

    init() throws { fixture = try ProgressFixture() }

    /// `count` completed scans of `target`, oldest first, each with 3 open ports and 2 host rows.
    func scans(_ account: Int64, target: Int64, count: Int) throws -> [Int64] {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        return try (0..<count).map { index in
            let scan = try fixture.scan(account, target: target, finished: start + Double(index) * 3600, open: [22, 80, 443])
            for host in ["203.0.113.10", "203.0.113.11"] {
                try db.execute("INSERT INTO scan_hosts (scan_id, host, host_key, state, open_count) VALUES (?, ?, ?, 'up', 3)",
                               [.int(scan), .text(host), .blob(HostKey.bytes(for: host))])
            }
            return scan
        }
    }

    func rows(of scan: Int64) throws -> Int64 {
        try db.queryOne("""
            SELECT (SELECT COUNT(*) FROM port_results WHERE scan_id = ?) + (SELECT COUNT(*) FROM scan_hosts WHERE scan_id = ?) AS n
            """, [.int(scan), .int(scan)])?.int("n") ?? -1
    }

    func isPruned(_ scan: Int64) throws -> Bool {
        try db.queryOne("SELECT results_pruned_at IS NOT NULL AS pruned FROM scans WHERE id = ?", [.int(scan)])?.bool("pruned") ?? false
    }

    func alert(_ account: Int64, target: Int64, scan: Int64) throws {
        try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, dedupe_key, created_at)
            VALUES (?, ?, ?, 'new_port', 'medium', '203.0.113.10', 22, 'New port', '{}', ?, NOW(6))
            """, [.int(account), .int(target), .int(scan), .text("k\(scan)")])
    }

    let policy = RetentionPolicy(keepCompletedScans: [.free: 3, .pro: 10, .business: 10])

    @Test func prunesTheResultsOfScansOlderThanTheKeptWindowAndKeepsTheirSummaryRows() throws {
        let account = try fixture.account()
        let ids = try scans(account, target: try fixture.target(account), count: 6)
        try db.execute("UPDATE scans SET down_hosts = '[[2,14]]' WHERE id = ?", [.int(ids[0])])   // a CIDR scan's down hosts
        let report = try RetentionStore(connection: db).run(policy: policy)
        #expect(report.scansPruned == 3)
        #expect(try db.queryOne("SELECT down_hosts IS NULL AS gone FROM scans WHERE id = ?", [.int(ids[0])])?.bool("gone") == true,
                "a pruned scan keeps no down-host list that would read as its only results")
        #expect(report.rowsDeleted == 3 * 5)
        #expect(report.stoppedBy == .caughtUp)
        for old in ids.prefix(3) {
            #expect(try rows(of: old) == 0)
            #expect(try isPruned(old))
        }
        for kept in ids.suffix(3) {
            #expect(try rows(of: kept) == 5)
            #expect(try !isPruned(kept))
        }
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM scans WHERE user_id = ?", [.int(account)])?.int("n") == 6)
        // What the API's scan object shows (results_pruned_at).
        let scans = ScanStore(connection: db)
        #expect(try scans.find(accountID: account, id: ids[0])?.resultsPrunedAt != nil)
        #expect(try scans.find(accountID: account, id: ids[5])?.resultsPrunedAt == nil)
    }

    @Test func keepsEveryScanThatRaisedAnAlert() throws {
        let account = try fixture.account()
        let target = try fixture.target(account)
        let ids = try scans(account, target: target, count: 6)
        try alert(account, target: target, scan: ids[1])
        let report = try RetentionStore(connection: db).run(policy: policy)
        #expect(report.scansPruned == 2)
        #expect(try rows(of: ids[1]) == 5)
        #expect(try !isPruned(ids[1]))
        #expect(try rows(of: ids[0]) == 0 && rows(of: ids[2]) == 0)
    }

    @Test func neverTouchesScansOfAnotherAccountWithinItsOwnPlansWindow() throws {
        let free = try fixture.account(plan: "free")
        let pro = try fixture.account(plan: "pro")
        let freeIDs = try scans(free, target: try fixture.target(free), count: 5)
        let proIDs = try scans(pro, target: try fixture.target(pro), count: 5)
        let report = try RetentionStore(connection: db).run(policy: policy)
        #expect(report.scansPruned == 2)
        #expect(try freeIDs.prefix(2).allSatisfy { try isPruned($0) })
        for id in proIDs {
            #expect(try rows(of: id) == 5)
            #expect(try !isPruned(id))
        }
    }

    @Test func leavesPendingAndRunningScansAndTheNewestCompletedScansAlone() throws {
        let account = try fixture.account()
        let target = try fixture.target(account)
        let ids = try scans(account, target: target, count: 3)
        try db.execute("UPDATE scans SET status = 'running', finished_at = NULL WHERE id = ?", [.int(ids[0])])
        let report = try RetentionStore(connection: db).run(policy: RetentionPolicy(keepCompletedScans: [.free: 1]))
        #expect(report.scansPruned == 0)   // keep is at least 2 completed scans; the running one is never pruned
        #expect(try ids.allSatisfy { try rows(of: $0) == 5 })
    }

    @Test func stopsAtItsTransactionBoundAndTheNextRunFinishesTheWork() throws {
        let account = try fixture.account()
        let ids = try scans(account, target: try fixture.target(account), count: 6)
        let limits = RetentionLimits(rowsPerTransaction: 4, maxTransactions: 2)
        let first = try RetentionStore(connection: db).run(policy: policy, limits: limits)
        #expect(first.stoppedBy == .transactionLimit)
        #expect(first.transactions == 2)
        #expect(first.rowsDeleted == 8)
        let left = try ids.prefix(3).reduce(Int64(0)) { $0 + (try rows(of: $1)) }
        #expect(left == 15 - 8)
        var runs = 0
        while try !ids.prefix(3).allSatisfy({ try isPruned($0) }), runs < 10 {
            _ = try RetentionStore(connection: db).run(policy: policy, limits: limits)
            runs += 1
        }
        #expect(try ids.prefix(3).allSatisfy { try isPruned($0) && rows(of: $0) == 0 })
        #expect(try ids.suffix(3).allSatisfy { try rows(of: $0) == 5 })
    }

    @Test func stopsAtItsTimeBound() throws {
        let account = try fixture.account()
        _ = try scans(account, target: try fixture.target(account), count: 4)
        var clock = Date(timeIntervalSince1970: 0)
        let report = try RetentionStore(connection: db).run(policy: policy, limits: RetentionLimits(rowsPerTransaction: 1, maxSeconds: 5)) {
            clock += 2
            return clock
        }
        #expect(report.stoppedBy == .timeLimit)
        #expect(report.transactions < 5)
    }

    @Test func returnsBusyWithoutDeletingWhileAnotherJobHoldsTheLock() throws {
        let account = try fixture.account()
        let ids = try scans(account, target: try fixture.target(account), count: 6)
        let other = try Connection(config: fixture.config)
        #expect(try other.queryOne("SELECT GET_LOCK(CONCAT('skannr_retention.', DATABASE()), 0) AS got")?.int("got") == 1)
        let report = try RetentionStore(connection: db).run(policy: policy)
        #expect(report.stoppedBy == .busy)
        #expect(try rows(of: ids[0]) == 5)
        _ = try other.query("SELECT RELEASE_LOCK(CONCAT('skannr_retention.', DATABASE())) AS released")
        #expect(try RetentionStore(connection: db).run(policy: policy).scansPruned == 3)
    }
}
