// The database failing under a scan. A write-back that fails for a reason other than the lease (here
// a trigger refusing scan_hosts rows, as a full disk or a broken table would) gives the scan back for a
// retry, its attempt counted, and the last allowed attempt ends it `failed`. Heartbeats the database
// cannot take are tolerated until the local lease expiry, then the scan is abandoned.
// Trap: the trigger and the row lock live in the fixture's throwaway database only.
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("Database failures during a scan", .needsDatabase, .serialized)
struct RetryTests {
    @Test("a failed write-back gives the scan back with its attempt counted, and the last attempt fails it")
    func writeFailureRetriesThenGivesUp() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: "\(try LoopbackListener.freePort())")
        try fixture.db.execute("""
            CREATE TRIGGER refuse_hosts BEFORE INSERT ON scan_hosts FOR EACH ROW
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected write failure'
            """)
        var configuration = try fixture.configuration()
        configuration.maxAttempts = 2
        let runner = ScanRunner(configuration: configuration)

        let first = try runner.step(fixture.store)
        guard case .retry(let reason) = first else { Issue.record("expected a retry, got \(String(describing: first))"); return }
        #expect(reason.contains("injected write failure"))
        #expect(try fixture.status(scanID) == "pending")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1)
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)]) == nil)
        #expect(try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scanID)])?.contains("injected") == true)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts") == 0)   // the write rolled back whole

        let second = try runner.step(fixture.store)
        guard case .failed(let message) = second else { Issue.record("expected failed, got \(String(describing: second))"); return }
        #expect(message.hasPrefix("gave up after 2 attempts"))
        #expect(try fixture.status(scanID) == "failed")
        #expect(try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scanID)])?.hasPrefix("gave up after 2 attempts") == true)
        #expect(try runner.step(fixture.store) == nil)   // nothing left to claim
    }

    @Test("heartbeats that fail keep the scan going until the local lease expiry, then it is abandoned")
    func failingHeartbeatsLoseTheLease() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: "80")
        let connection = try Connection(config: fixture.database)
        let claimedAt = ContinuousClock.now
        let claim = try ScanClaimer(scannerID: "r", leaseDuration: .seconds(30), maxAttempts: 3).claim(ScanLifecycleStore(connection: connection))
        guard case .claimed(let scan) = claim else { Issue.record("nothing claimed: \(String(describing: claim))"); return }
        // Another session holds the scan row: every heartbeat waits 1 s and fails, as with a database that hangs.
        try connection.execute("SET SESSION innodb_lock_wait_timeout = 1")
        let blocker = try Connection(config: fixture.database)
        try blocker.execute("START TRANSACTION")
        _ = try blocker.queryOne("SELECT id FROM scans WHERE id = ? FOR UPDATE", [.int(scanID)])
        defer { _ = try? blocker.execute("ROLLBACK") }
        let keeper = LeaseKeeper(store: ScanLifecycleStore(connection: connection), lease: ScanLease(scan: scan, duration: .seconds(2)),
                                 claimedAt: claimedAt, heartbeatInterval: .milliseconds(500), progressInterval: .milliseconds(100))

        keeper.tick(progress: 10, force: true)
        #expect(!keeper.mustStop, "one failed heartbeat is not a lost lease")
        #expect(throws: Never.self) { try keeper.check() }

        let untilExpiry = claimedAt + .milliseconds(2100) - ContinuousClock.now
        if untilExpiry > .zero { Thread.sleepFor(untilExpiry) }
        keeper.tick(progress: 20)
        #expect(keeper.mustStop)
        #expect { try keeper.check() } throws: { ($0 as? RunnerError)?.code == .leaseLost }
        #expect(try fixture.int("SELECT progress = 0 AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1)   // nothing got through
    }
}
