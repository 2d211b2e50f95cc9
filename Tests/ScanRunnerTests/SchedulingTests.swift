// Scheduling and trigger-all: due targets get exactly one `scheduled` scan even with two runners,
// next_scan_at moves on; trigger-all twice enqueues once; plan limits and disabled targets respected.
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [ScheduleReport] = []
    func append(_ report: ScheduleReport) { lock.withLock { values.append(report) } }
    var enqueued: Int { lock.withLock { values.reduce(0) { $0 + $1.enqueued } } }
}

@Suite("Scheduling scans", .needsDatabase, .serialized)
struct SchedulingTests {
    @Test("two runners scheduling at once enqueue each due target exactly once and move next_scan_at on")
    func scheduleTwoRunners() throws {
        let fixture = try RunnerFixture()
        let past = Date().addingTimeInterval(-60)
        for index in 1...10 {
            try fixture.addTarget("127.0.0.\(index)", ports: "80", interval: 60, nextScanAt: past)
        }
        try fixture.addTarget("127.0.1.1", ports: "80", interval: 60, nextScanAt: Date().addingTimeInterval(3600))   // not due
        try fixture.addTarget("127.0.1.2", ports: "80", interval: 60, nextScanAt: past, enabled: false)            // disabled
        let reports = Reports()
        let database = fixture.database
        onThreads(2) { _ in
            guard let connection = try? Connection(config: database) else { return }
            for _ in 0..<3 {
                if let report = try? ScanScheduler(batchSize: 4).enqueueDue(ScanLifecycleStore(connection: connection)) { reports.append(report) }
            }
        }
        #expect(reports.enqueued == 10)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE trigger_kind = 'scheduled' AND status = 'pending'") == 10)
        #expect(try fixture.int("SELECT COUNT(DISTINCT target_id) AS n FROM scans") == 10)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM targets WHERE next_scan_at > NOW(6) + INTERVAL 59 MINUTE") == 11)
        // Nothing is due any more.
        #expect(try ScanScheduler().enqueueDue(fixture.store).enqueued == 0)
    }

    @Test("a due target whose scan is still active is skipped (busy) but its schedule moves on")
    func scheduleBusy() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1", ports: "80", interval: 30, nextScanAt: Date().addingTimeInterval(-1))
        try fixture.addScan(target: target, ports: "80")
        let report = try ScanScheduler().enqueueDue(fixture.store)
        #expect(report == ScheduleReport(enqueued: 0, busy: 1, refused: 0))
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans") == 1)
        #expect(try fixture.int("SELECT next_scan_at > NOW(6) AS n FROM targets WHERE id = ?", [.int(target)]) == 1)
    }

    @Test("trigger-all twice enqueues one bulk scan per enabled target, the second run finds them all busy")
    func triggerAllTwice() throws {
        let fixture = try RunnerFixture()
        for index in 1...5 { try fixture.addTarget("127.0.0.\(index)", profile: "quick") }
        try fixture.addTarget("127.0.0.9", enabled: false)
        let configuration = try fixture.configuration()
        let first = try configuration.triggerAll()
        #expect(first == ScheduleReport(enqueued: 5, busy: 0, refused: 0))
        let second = try configuration.triggerAll()
        #expect(second == ScheduleReport(enqueued: 0, busy: 5, refused: 0))
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE trigger_kind = 'bulk'") == 5)
        #expect(try fixture.int("SELECT MIN(ports_per_host) AS n FROM scans") == 100)
    }

    @Test("a runner-enqueued scan snapshots its target exactly like a scan the API creates")
    func snapshotMatchesAPI() throws {
        let fixture = try RunnerFixture()
        let bulk = try fixture.addTarget("127.0.0.1", profile: "standard")
        let manual = try fixture.addTarget("127.0.0.2", profile: "standard", enabled: false)   // trigger-all skips it
        let domain = try fixture.addTarget("localhost", type: "domain", profile: "quick")
        #expect(try fixture.configuration().triggerAll().enqueued == 2)
        let apiScan = try #require(try ScanStore(connection: fixture.db).createManual(accountID: fixture.userID, targetID: manual, now: Date()))
        let columns = "ports AS s FROM scans WHERE target_id = ?"
        let apiPorts = try fixture.string("SELECT \(columns)", [.int(manual)])
        #expect(apiPorts != nil)
        #expect(try fixture.string("SELECT \(columns)", [.int(bulk)]) == apiPorts)   // nmap rank order, not sorted
        #expect(try fixture.int("SELECT ports_per_host AS n FROM scans WHERE target_id = ?", [.int(bulk)]) == apiScan.portsPerHost)
        // A domain's host count is unknown until the runner resolves it: 0, as the API writes it.
        #expect(try fixture.int("SELECT hosts_total AS n FROM scans WHERE target_id = ?", [.int(domain)]) == 0)
    }

    @Test("trigger-all honours the plan: a free account's full-profile target is refused")
    func triggerAllPlanLimit() throws {
        let fixture = try RunnerFixture(plan: "free")
        try fixture.addTarget("127.0.0.1", profile: "full")
        try fixture.addTarget("127.0.0.2", profile: "quick")
        let report = try fixture.configuration().triggerAll()
        #expect(report == ScheduleReport(enqueued: 1, busy: 0, refused: 1))
    }
}
