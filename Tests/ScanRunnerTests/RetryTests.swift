// A scan whose write-back fails for a reason other than the lease (here a trigger refusing scan_hosts
// rows, as a full disk or a broken table would) is given back for a retry, its attempt counted; the
// last allowed attempt ends it `failed`. Trap: the trigger lives in the fixture's throwaway database only.
import Foundation
import MariaDB
import Testing
@testable import ScanRunner
import TestSupport

@Suite("Retrying scans", .enabled(if: TestDatabase.isAvailable), .serialized)
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

        let first = try runner.step(fixture.db)
        guard case .retry(let reason) = first else { Issue.record("expected a retry, got \(String(describing: first))"); return }
        #expect(reason.contains("injected write failure"))
        #expect(try fixture.status(scanID) == "pending")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1)
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)]) == nil)
        #expect(try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scanID)])?.contains("injected") == true)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts") == 0)   // the write rolled back whole

        let second = try runner.step(fixture.db)
        guard case .failed(let message) = second else { Issue.record("expected failed, got \(String(describing: second))"); return }
        #expect(message.hasPrefix("gave up after 2 attempts"))
        #expect(try fixture.status(scanID) == "failed")
        #expect(try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scanID)])?.hasPrefix("gave up after 2 attempts") == true)
        #expect(try runner.step(fixture.db) == nil)   // nothing left to claim
    }
}
