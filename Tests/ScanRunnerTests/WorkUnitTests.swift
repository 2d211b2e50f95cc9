// Scan work in units (issue 20): the split rule, a scan run over several units with the same result as
// one, a runner that dies after a unit losing only that unit, and a scan given back after its turn.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
import TestSupport
@testable import ScanRunner

@Suite("Scan work in units")
struct WorkUnitSplitTests {
    @Test("a /20 quick scan is a few units of about the probe budget each; every host × port is in exactly one")
    func splitCoversEachPairOnce() {
        let units = ScanWork.split(hosts: 4096, ports: 100, probesPerUnit: 65_536)
        #expect(units.count == 7)
        #expect(units.allSatisfy { $0.hostCount * $0.portCount <= 65_536 })
        #expect(units.reduce(0) { $0 + $1.hostCount * $1.portCount } == 4096 * 100)
        #expect(zip(units, units.dropFirst()).allSatisfy { $0.hostOffset + $0.hostCount == $1.hostOffset })
    }

    @Test("a full-range host is cut into port slices; a domain is one host slot per port slice")
    func portSlices() {
        let full = ScanWork.split(hosts: 2, ports: 65_535, probesPerUnit: 30_000)
        #expect(full.map(\.hostOffset) == [0, 0, 0, 1, 1, 1])
        #expect(full.map(\.portCount) == [30_000, 30_000, 5_535, 30_000, 30_000, 5_535])
        let domain = ScanWork.split(hosts: 0, ports: 1000, probesPerUnit: 400)
        #expect(domain.map(\.hostCount) == [0, 0, 0] && domain.map(\.portOffset) == [0, 400, 800])
    }

    @Test("the account with the fewest running scans per plan weight goes first, whatever the other queued")
    func fairOrder() {
        let business = ScanWork.Waiting(accountID: 1, running: 3, weight: ScanWork.claimWeight(.business), oldestPending: 1)
        let free = ScanWork.Waiting(accountID: 2, running: 0, weight: ScanWork.claimWeight(.free), oldestPending: 900)
        let freeBusy = ScanWork.Waiting(accountID: 3, running: 1, weight: ScanWork.claimWeight(.free), oldestPending: 2)
        #expect(ScanWork.fairOrder([business, free, freeBusy]).map(\.accountID) == [2, 1, 3])
        let idleBusiness = ScanWork.Waiting(accountID: 4, running: 0, weight: 4, oldestPending: 5)
        #expect(ScanWork.fairOrder([free, idleBusiness]).map(\.accountID) == [4, 2], "ties go to the longest waiting")
        var servedBusiness = idleBusiness
        servedBusiness.lastServed = Date()
        #expect(ScanWork.fairOrder([servedBusiness, free]).map(\.accountID) == [2, 4], "then to the one served longest ago")
    }
}

@Suite("Scan work in units, on a database", .enabled(if: TestDatabase.isAvailable))
struct WorkUnitRunnerTests {
    /// Listeners on loopback: the open ports of a scan; `closed` ports refuse.
    static func ports(open count: Int, closed: Int) throws -> ([LoopbackListener], [UInt16]) {
        let listeners = try (0..<count).map { _ in try LoopbackListener() }
        let refused = try (0..<closed).map { _ in try LoopbackListener.freePort() }
        return (listeners, (listeners.map(\.port) + refused).sorted())
    }

    @Test("a scan of five units finds exactly what one unit finds, keeps its units until the write-back, then drops them")
    func unitsMatchOneUnit() throws {
        let fixture = try RunnerFixture()
        let (listeners, ports) = try Self.ports(open: 3, closed: 2)
        defer { listeners.forEach { $0.close() } }
        let list = ports.map(String.init).joined(separator: ",")
        let target = try fixture.addTarget("127.0.0.1")
        var configuration = try fixture.configuration()
        configuration.probesPerUnit = 1
        let split = try fixture.addScan(target: target, ports: list)
        guard case .completed(let inUnits) = try ScanRunner(configuration: configuration).step(fixture.store) else {
            Issue.record("the split scan did not complete"); return
        }
        #expect(try fixture.int("SELECT units_total AS n FROM scans WHERE id = ?", [.int(split)]) == 5)
        #expect(try fixture.int("SELECT units_done AS n FROM scans WHERE id = ?", [.int(split)]) == 5)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_units") == 0)
        let whole = try fixture.addScan(target: target, ports: list)
        guard case .completed(let inOne) = try ScanRunner(configuration: try fixture.configuration()).step(fixture.store) else {
            Issue.record("the whole scan did not complete"); return
        }
        #expect(inUnits.openPorts == 3 && inOne.openPorts == 3 && inUnits.hosts == 1 && inOne.hosts == 1)
        let open = "SELECT GROUP_CONCAT(port ORDER BY port) AS s FROM port_results WHERE scan_id = ?"
        #expect(try fixture.string(open, [.int(split)]) == fixture.string(open, [.int(whole)]))
        let counts = "SELECT CONCAT(state, ':', open_count, ':', closed_count, ':', filtered_count) AS s FROM scan_hosts WHERE scan_id = ?"
        #expect(try fixture.string(counts, [.int(split)]) == "up:3:2:0")
        #expect(try fixture.string(counts, [.int(whole)]) == "up:3:2:0")
    }

    @Test("a runner that dies after its first unit loses only the unit it was on: the takeover keeps the done unit")
    func takeoverKeepsDoneUnits() throws {
        let fixture = try RunnerFixture()
        let (listeners, ports) = try Self.ports(open: 2, closed: 0)
        defer { listeners.forEach { $0.close() } }
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: ports.map(String.init).joined(separator: ","))
        let claimer = ScanClaimer(scannerID: "dies", leaseDuration: .seconds(30), maxAttempts: 3)
        guard case .claimed(let scan) = try claimer.claim(fixture.store) else { Issue.record("nothing claimed"); return }
        let lease = ScanLease(scan: scan, duration: .seconds(30))
        let units = try fixture.store.units(lease, hosts: 1, ports: 2, probesPerUnit: 1)
        #expect(units.count == 2 && units.allSatisfy { $0.outcome == nil })
        // Unit 0 "completed" with an outcome the real port would not give: a marker that it is not run again.
        let marker = HostOutcome(host: "127.0.0.1", hostKey: HostKey.bytes(for: "127.0.0.1"), hostname: nil, up: true,
                                 openPorts: [9], closedCount: 0, filteredCount: 0, note: nil)
        try fixture.store.completeUnit(lease, seq: 0, UnitOutcome(hosts: [marker]), progress: 50, hostsDone: 0)
        #expect(try fixture.int("SELECT progress = 50 AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1)
        try fixture.db.execute("UPDATE scans SET lease_expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = ?", [.int(scanID)])

        var configuration = try fixture.configuration()
        configuration.probesPerUnit = 1
        guard case .completed(let summary) = try ScanRunner(configuration: configuration).step(fixture.store) else {
            Issue.record("the takeover did not complete"); return
        }
        #expect(summary.openPorts == 2)   // the marker's port 9 and the second unit's real port
        let open = try fixture.string("SELECT GROUP_CONCAT(port ORDER BY port) AS s FROM port_results WHERE scan_id = ?", [.int(scanID)])
        #expect(open == "9,\(ports[1])")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 2)
    }

    @Test("one runner slot alternates: a newcomer's scan is claimed right after a backlog's scan yields its turn")
    func newcomerAfterOneTurn() throws {
        let fixture = try RunnerFixture()
        let ports = try (0..<3).map { _ in try LoopbackListener.freePort() }.map(String.init).joined(separator: ",")
        let backlog = try (1...3).map { last in try fixture.addScan(target: try fixture.addTarget("127.0.0.\(last)"), ports: ports) }
        var configuration = try fixture.configuration()
        configuration.probesPerUnit = 1
        configuration.turn = .zero
        let runner = ScanRunner(configuration: configuration)
        #expect(try runner.step(fixture.store) == .yielded(unitsDone: 1, unitsTotal: 3))
        // A free account enqueues one scan now, behind the whole backlog.
        let free = Int64(try fixture.db.execute("""
            INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES ('F', ?, 'x', 'free', NOW(6), NOW(6))
            """, [.text("f\(UInt32.random(in: 0...UInt32.max))@example.com")]).lastInsertID)
        let target = Int64(try fixture.db.execute("""
            INSERT INTO targets (user_id, address, address_type, address_count, scan_profile, ports, enabled, created_at, updated_at)
            VALUES (?, '127.0.0.9', 'ip', 1, 'custom', '1', TRUE, NOW(6), NOW(6))
            """, [.int(free)]).lastInsertID)
        let newcomer = Int64(try fixture.db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, created_at) VALUES (?, ?, 'pending', 'manual', '127.0.0.9', 'ip', 'custom', '1', 1, 1, NOW(6))
            """, [.int(free), .int(target)]).lastInsertID)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("the newcomer's scan was not next"); return }
        #expect(try fixture.status(newcomer) == "completed")
        #expect(try backlog.map { try fixture.status($0) } == ["pending", "pending", "pending"])
    }

    /// A scan of three closed loopback ports in three units, and a runner whose turn ends after one unit.
    static func threeUnitScan(_ fixture: RunnerFixture, maxScanDuration: Duration = .seconds(3600)) throws -> (Int64, ScanRunner) {
        let target = try fixture.addTarget("127.0.0.1")
        let ports = try (0..<3).map { _ in try LoopbackListener.freePort() }
        let scanID = try fixture.addScan(target: target, ports: ports.map(String.init).joined(separator: ","))
        var configuration = try fixture.configuration()
        configuration.probesPerUnit = 1
        configuration.turn = .zero
        configuration.maxScanDuration = maxScanDuration
        return (scanID, ScanRunner(configuration: configuration))
    }

    @Test("after its turn a runner gives a scan with units left back (pending, attempt refunded) and the next claim goes on from there")
    func yieldsAfterItsTurn() throws {
        let fixture = try RunnerFixture()
        let (scanID, runner) = try Self.threeUnitScan(fixture)
        #expect(try runner.step(fixture.store) == .yielded(unitsDone: 1, unitsTotal: 3))
        #expect(try fixture.status(scanID) == "pending")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 0)
        #expect(try fixture.int("SELECT FLOOR(progress) AS n FROM scans WHERE id = ?", [.int(scanID)]) == 33)
        #expect(try runner.step(fixture.store) == .yielded(unitsDone: 2, unitsTotal: 3))
        guard case .completed(let summary) = try runner.step(fixture.store) else { Issue.record("not completed"); return }
        #expect(summary.hosts == 1 && summary.openPorts == 0)
        #expect(try fixture.string("SELECT CONCAT(closed_count, '/', filtered_count) AS s FROM scan_hosts WHERE scan_id = ?", [.int(scanID)]) == "3/0")
    }

    @Test("the duration budget is the scan's, not the turn's: a scan given back and claimed again past its budget ends partial")
    func durationBudgetAcrossTurns() throws {
        let fixture = try RunnerFixture()
        let (scanID, runner) = try Self.threeUnitScan(fixture, maxScanDuration: .seconds(60))
        #expect(try runner.step(fixture.store) == .yielded(unitsDone: 1, unitsTotal: 3))
        try fixture.db.execute("UPDATE scans SET started_at = NOW(6) - INTERVAL 2 MINUTE WHERE id = ?", [.int(scanID)])
        let second = try runner.step(fixture.store)
        guard case .completed = second else { Issue.record("not completed: \(second)"); return }
        let limits = try #require(try fixture.string("SELECT limits_hit AS s FROM scans WHERE id = ?", [.int(scanID)]))
        #expect(limits.contains("scan duration capped at 60 s: results are partial"))
    }
}

@Suite("Down hosts stored compactly", .enabled(if: TestDatabase.isAvailable))
struct DownHostsTests {
    @Test("a /28 scan with one host up writes one scan_hosts row; the summary and the diff's snapshot still see all 16 hosts")
    func downHostsAreRuns() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.0/28", type: "cidr", count: 16)
        let scanID = try fixture.addScan(target: target, ports: "22,80")
        guard case .claimed(let scan) = try ScanClaimer(scannerID: "d", leaseDuration: .seconds(30), maxAttempts: 3).claim(fixture.store) else {
            Issue.record("nothing claimed"); return
        }
        let hosts = (0..<16).map { last -> HostOutcome in
            let address = "127.0.0.\(last)"
            return HostOutcome(host: address, hostKey: HostKey.bytes(for: address), hostname: nil, up: last == 5,
                               openPorts: last == 5 ? [22] : [], closedCount: last == 5 ? 1 : 0, filteredCount: last == 5 ? 0 : 2, note: nil)
        }
        _ = try fixture.store.complete(scan, ScanOutcome(hosts: hosts, tls: [:], remark: nil), now: Date())

        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts WHERE scan_id = ?", [.int(scanID)]) == 1)
        #expect(try fixture.string("SELECT down_hosts AS s FROM scans WHERE id = ?", [.int(scanID)]) == "[[0,5],[6,10]]")
        let (listed, totals) = try ScanResultStore(connection: fixture.db).summary(accountID: fixture.userID, scanID: scanID)
        #expect(listed.map(\.host) == hosts.map(\.host), "every host, in host order")
        #expect(listed.filter { $0.state == "down" }.count == 15 && listed.first { $0.state == "up" }?.host == "127.0.0.5")
        #expect(listed.first?.filtered == 2 && listed.first?.open == 0)
        #expect(totals.hosts == 16 && totals.hostsUp == 1 && totals.open == 1 && totals.filtered == 30)
        let snapshot = try ScanSnapshotStore.snapshot(scanID: scanID, fixture.db)
        #expect(snapshot.hostsScanned.count == 16 && snapshot.hostsUp == ["127.0.0.5"])
    }
}
