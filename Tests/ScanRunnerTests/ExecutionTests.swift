// Executing scans: cancellation and SIGTERM noticed mid-sweep, and the address policy re-checked on
// resolved addresses (a domain `localhost` is scanned only when private targets are allowed).
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

final class EndBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ScanEnd?
    func set(_ end: ScanEnd?) { lock.withLock { value = end } }
    var end: ScanEnd? { lock.withLock { value } }
}

@Suite("Executing scans", .needsDatabase, .serialized)
struct ExecutionTests {
    /// A long sweep: 4 loopback hosts × 65,535 ports, one probe in flight.
    func slowScan(_ fixture: RunnerFixture) throws -> (Int64, RunnerConfiguration) {
        let target = try fixture.addTarget("127.0.0.0/30", type: "cidr", count: 4)
        let scanID = try fixture.addScan(target: target, ports: "1-65535")
        var configuration = try fixture.configuration()
        configuration.maxInFlight = 1
        configuration.progressInterval = .milliseconds(200)
        return (scanID, configuration)
    }

    /// Runs one step of a slow scan while `interfere` acts on it from another thread after `delay`
    /// seconds; returns how the step ended, how long it took, and the scan's id.
    func interruptedScan(_ fixture: RunnerFixture, after delay: Double,
                         _ interfere: @escaping @Sendable (_ scanID: Int64, _ runner: ScanRunner, _ db: Connection) -> Void)
        throws -> (end: ScanEnd?, elapsed: Duration, scanID: Int64) {
        let (scanID, configuration) = try slowScan(fixture)
        let runner = ScanRunner(configuration: configuration)
        let box = EndBox()
        let database = fixture.database
        let started = ContinuousClock.now
        onThreads(2) { index in
            guard let connection = try? Connection(config: database) else { return }
            if index == 0 {
                box.set(try? runner.step(ScanLifecycleStore(connection: connection)))
            } else {
                Thread.sleep(forTimeInterval: delay)
                interfere(scanID, runner, connection)
            }
        }
        return (box.end, ContinuousClock.now - started, scanID)
    }

    @Test("a cancel through the API mid-sweep ends the scan cancelled within a few seconds; nothing of it is written; the runner moves on")
    func cancelledThroughAPI() throws {
        let fixture = try RunnerFixture()
        let userID = fixture.userID
        let (end, elapsed, scanID) = try interruptedScan(fixture, after: 1.5) { scanID, _, db in
            _ = try? ScanStore(connection: db).cancel(accountID: userID, id: scanID, now: Date())
        }
        // The API ends the scan itself (status cancelled): the runner's next fenced write finds it
        // gone, and the runner reports the scan cancelled rather than a lost lease.
        #expect(end == .cancelled)
        #expect(elapsed < .seconds(4))
        #expect(try fixture.status(scanID) == "cancelled")
        #expect(try fixture.int("SELECT progress > 0 AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1)
        for table in ["scan_hosts", "port_results", "tls_certificates", "alerts"] {
            #expect(try fixture.int("SELECT COUNT(*) AS n FROM \(table)") == 0, "\(table) is empty")
        }

        let next = try fixture.addScan(target: try fixture.addTarget("127.0.0.1"), ports: "1")
        guard case .completed = try ScanRunner(configuration: try fixture.configuration()).step(fixture.store) else {
            Issue.record("the next scan should be claimed and completed")
            return
        }
        #expect(try fixture.status(next) == "completed")
        #expect(try fixture.status(scanID) == "cancelled")
    }

    @Test("deleting the target mid-sweep stops the runner within a few seconds and leaves no rows behind")
    func targetDeleted() throws {
        let fixture = try RunnerFixture()
        let (end, elapsed, _) = try interruptedScan(fixture, after: 0.6) { scanID, _, db in
            _ = try? db.execute("DELETE FROM targets WHERE id = (SELECT target_id FROM scans WHERE id = ?)", [.int(scanID)])
        }
        guard case .leaseLost = end else {
            Issue.record("the runner should notice its scan is gone, got \(String(describing: end))")
            return
        }
        #expect(elapsed < .seconds(4))
        for table in ["scans", "scan_hosts", "port_results", "tls_certificates", "alerts"] {
            #expect(try fixture.int("SELECT COUNT(*) AS n FROM \(table)") == 0, "\(table) is empty")
        }
    }

    @Test("a stop request (SIGTERM) releases the in-flight scan: pending again, no lease, attempt refunded")
    func stopReleases() throws {
        let fixture = try RunnerFixture()
        let (end, _, scanID) = try interruptedScan(fixture, after: 0.5) { _, runner, _ in runner.stop.request() }
        #expect(end == .released)
        #expect(try fixture.status(scanID) == "pending")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 0)
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)]) == nil)
    }

    @Test("a domain target localhost resolving to loopback is scanned when private targets are allowed")
    func localhostAllowed() throws {
        let fixture = try RunnerFixture()
        let listener = try LoopbackListener()
        defer { listener.close() }
        let target = try fixture.addTarget("localhost", type: "domain")
        let scanID = try fixture.addScan(target: target, ports: "\(listener.port)")
        let runner = ScanRunner(configuration: try fixture.configuration(allowPrivate: true))
        guard case .completed(let summary) = try runner.step(fixture.store) else { Issue.record("not completed"); return }
        #expect(summary.hosts >= 1)
        #expect(summary.openPorts >= 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts WHERE hostname = 'localhost' AND scan_id = ?", [.int(scanID)]) == Int64(summary.hosts))
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results WHERE host = '127.0.0.1' AND port = ?", [.int(Int64(listener.port))]) == 1)
    }

    @Test("the same domain target is refused when private targets are not allowed: failed with a clear reason that names no address, nothing probed")
    func localhostRefused() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("localhost", type: "domain")
        let scanID = try fixture.addScan(target: target, ports: "80")
        let runner = ScanRunner(configuration: try fixture.configuration(allowPrivate: false))
        guard case .failed(let reason) = try runner.step(fixture.store) else { Issue.record("not failed"); return }
        #expect(reason.contains("may not be scanned"))
        #expect(try fixture.status(scanID) == "failed")
        let error = try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scanID)])
        #expect(error?.contains("resolved only to non-public addresses") == true)
        #expect(error?.contains("127.0.0.1") == false && error?.contains("::1") == false)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts") == 0)
    }

    @Test("resolved addresses the policy refuses are kept out of the sweep and listed as refused; 0.0.0.0 is never scanned")
    func mixedResolution() throws {
        let plan = try HostPlan.make(addressType: "domain", address: "mixed.example", scope: ScanScope(allowPrivate: false),
                                     resolve: { _ in ["8.8.8.8", "10.0.0.1", "::1"] })
        #expect(plan.refused == ["10.0.0.1", "::1"])
        #expect(plan.expectedHosts == 1)
        #expect(throws: RunnerError.self) {
            try HostPlan.make(addressType: "ip", address: "0.0.0.0", scope: ScanScope(allowPrivate: true))
        }
    }

    @Test("a CIDR range is walked lazily and filtered by the policy")
    func lazyRange() throws {
        let plan = try HostPlan.make(addressType: "cidr", address: "10.0.0.0/16", scope: ScanScope(allowPrivate: false))
        #expect(plan.expectedHosts == 65_536)
        let iterator = plan.sequence().makeIterator()
        #expect(iterator.next() == nil)   // every address refused, none materialised
        #expect(plan.skipped.count == 65_536)
    }

    @Test("an allow-list of networks keeps every address outside it out of the sweep")
    func onlyNetworks() throws {
        let scope = ScanScope(allowPrivate: true, onlyNetworks: try ScanScope.networks("127.0.0.0/8,::1/128"))
        #expect(scope.permits("127.0.0.5"))
        #expect(scope.permits("::1"))
        #expect(!scope.permits("10.0.0.1"))
        #expect(!scope.permits("8.8.8.8"))
        let plan = try HostPlan.make(addressType: "domain", address: "mixed.example", scope: scope,
                                     resolve: { _ in ["8.8.8.8", "192.168.1.1", "127.0.0.1"] })
        #expect(plan.refused == ["8.8.8.8", "192.168.1.1"])
        let range = try HostPlan.make(addressType: "cidr", address: "192.168.0.0/28", scope: scope)
        let iterator = range.sequence().makeIterator()
        #expect(iterator.next() == nil)
    }
}
