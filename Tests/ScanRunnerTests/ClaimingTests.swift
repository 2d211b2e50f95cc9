// Claiming against a real MariaDB: two runners never take the same scan, an expired lease is taken
// over and the old owner's writes bounce off the fence, attempts are capped.
import SkannrCore
import Foundation
import MariaDB
import Synchronization
import Testing
import SkannrStore
@testable import ScanRunner
import TestSupport

final class IDs: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64] = []
    func append(_ id: Int64) { lock.withLock { values.append(id) } }
    var all: [Int64] { lock.withLock { values } }
}

@Suite("Claiming scans", .needsDatabase, .serialized)
struct ClaimingTests {
    @Test("two runners on two connections and twenty scans: each scan is done exactly once")
    func twoRunnersTwentyScans() throws {
        let fixture = try RunnerFixture()
        let listener = try LoopbackListener()
        defer { listener.close() }
        var scans: [Int64] = []
        for index in 1...20 {
            let target = try fixture.addTarget("127.0.0.\(index)")
            scans.append(try fixture.addScan(target: target, ports: "\(listener.port)"))
        }
        let configuration = try fixture.configuration()
        let completed = IDs()
        let failures = IDs()
        onThreads(2) { slot in
            guard let connection = try? Connection(config: configuration.database) else { return failures.append(-1) }
            let runner = ScanRunner(configuration: configuration)
            while true {
                let end: ScanEnd?
                do { end = try runner.step(ScanLifecycleStore(connection: connection), slot: slot) } catch {
                    failures.append(-2)
                    return
                }
                guard let end else { return }
                if case .completed(let summary) = end { completed.append(Int64(summary.hosts)) } else { failures.append(0) }
            }
        }
        #expect(failures.all.isEmpty)
        #expect(completed.all.count == 20)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE status = 'completed' AND attempts = 1") == 20)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM xp_events WHERE kind = 'scan_completed'") == 20)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts") == 20)
        // Only 127.0.0.1 has the listener: one open port in all.
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results") == 1)
        #expect(try fixture.int("SELECT open_ports AS n FROM scans WHERE id = ?", [.int(scans[0])]) == 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM targets WHERE last_scan_id IS NOT NULL") == 20)
    }

    @Test("an expired lease is taken over; the old owner's heartbeat and write-back are rejected by the fence")
    func takeoverAndFence() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: "\(try LoopbackListener.freePort())")
        let configuration = try fixture.configuration()
        let claimerA = ScanClaimer(scannerID: "runner-a", leaseDuration: .seconds(30), maxAttempts: 3)
        let claimerB = ScanClaimer(scannerID: "runner-b", leaseDuration: .seconds(30), maxAttempts: 3)
        let storeA = try ScanLifecycleStore(config: fixture.database)
        let storeB = try ScanLifecycleStore(config: fixture.database)

        guard case .claimed(let scanA) = try claimerA.claim(storeA) else { Issue.record("A claimed nothing"); return }
        #expect(scanA.id == scanID)
        #expect(try claimerB.claim(storeB) == nil)   // held and not expired: nothing for B
        let fenceA = ScanLease(scan: scanA, duration: .seconds(30))
        try storeA.heartbeat(fenceA, progress: 10, hostsDone: 0)

        // A "pauses": its lease runs out.
        try fixture.db.execute("UPDATE scans SET lease_expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = ?", [.int(scanID)])
        guard case .claimed(let scanB) = try claimerB.claim(storeB) else { Issue.record("B could not take over"); return }
        #expect(scanB.id == scanID)
        #expect(scanB.attempts == 2)
        #expect(scanB.leaseOwner != scanA.leaseOwner)
        #expect(scanB.leaseOwner.hasPrefix("runner-b/"))

        // A wakes up: every write it tries is fenced off.
        #expect { try storeA.heartbeat(fenceA, progress: 50) } throws: { $0 is LeaseLostError }
        #expect { try storeA.fail(fenceA, reason: "late", now: Date()) } throws: { $0 is LeaseLostError }
        let lateOutcome = ScanOutcome(hosts: [HostOutcome(host: "127.0.0.1", hostKey: HostKey.bytes(for: "127.0.0.1"),
                                                          hostname: nil, up: true, openPorts: [9], closedCount: 0,
                                                          filteredCount: 0, note: nil)], tls: [:], remark: nil)
        #expect { try storeA.complete(scanA, lateOutcome, now: Date()) }
            throws: { $0 is LeaseLostError }
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results") == 0)
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)]) == scanB.leaseOwner)

        // B finishes the scan for real.
        let runner = ScanRunner(configuration: configuration)
        let end = ScanProcessor(configuration: configuration, stop: runner.stop, logger: runner.logger)
            .process(scanB, claimedAt: .now, store: storeB)
        guard case .completed = end else { Issue.record("B ended \(end)"); return }
        #expect(try fixture.status(scanID) == "completed")
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results") == 0)   // the port was closed
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts") == 1)
    }

    @Test("a scan whose attempts reached the maximum ends failed with a reason instead of running again")
    func maxAttempts() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: "80")
        try fixture.db.execute("""
            UPDATE scans SET status = 'running', attempts = 3, lease_owner = 'dead/1', lease_expires_at = NOW(6) - INTERVAL 1 SECOND
            WHERE id = ?
            """, [.int(scanID)])
        let claimer = ScanClaimer(scannerID: "r", leaseDuration: .seconds(30), maxAttempts: 3)
        #expect(try claimer.claim(fixture.store) == .gaveUp(scanID: scanID, attempts: 3))
        #expect(try fixture.status(scanID) == "failed")
        #expect(try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scanID)]) == "gave up after 3 attempts")
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)]) == nil)
        #expect(try claimer.claim(fixture.store) == nil)
    }

    @Test("a pending scan cancelled through the API is never claimed")
    func cancelledBeforeClaim() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: "80")
        guard case .cancelled = try ScanStore(connection: fixture.db).cancel(accountID: fixture.userID, id: scanID, now: Date()) else {
            Issue.record("the pending scan should be cancelled")
            return
        }
        let claimer = ScanClaimer(scannerID: "r", leaseDuration: .seconds(30), maxAttempts: 3)
        #expect(try claimer.claim(fixture.store) == nil)
        #expect(try fixture.status(scanID) == "cancelled")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 0)
    }
}
