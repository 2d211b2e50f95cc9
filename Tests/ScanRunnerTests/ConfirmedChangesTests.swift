// Issue 14 through the runner and its write-back: host_down raised and resolved, accepts_all, ports
// outside a narrowed list, a domain whose addresses rotate, budgets said in notes/limits_hit.
// Loopback only: a loopback host cannot go silent, so host_down is written from built outcomes.
import Foundation
import Logging
import MariaDB
import SkannrCore
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("Confirmed changes in the runner", .needsDatabase, .serialized)
struct ConfirmedChangesTests {
    func claim(_ fixture: RunnerFixture) throws -> ClaimedScan {
        let claimer = ScanClaimer(scannerID: "c", leaseDuration: .seconds(30), maxAttempts: 3)
        guard case .claimed(let scan) = try claimer.claim(fixture.store) else { throw TestFailure("nothing claimed") }
        return scan
    }

    func host(_ address: String, up: Bool, open: [UInt16]) -> HostOutcome {
        HostOutcome(host: address, hostKey: HostKey.bytes(for: address), hostname: nil, up: up, openPorts: open,
                    closedCount: up ? 10 : 0, filteredCount: up ? 0 : 10, note: nil)
    }

    /// Adds a scan, claims it and writes `outcome` for it; returns the scan id.
    @discardableResult
    func write(_ fixture: RunnerFixture, target: Int64, _ outcome: ScanOutcome) throws -> Int64 {
        let scanID = try fixture.addScan(target: target, ports: "1-1024")
        _ = try fixture.store.complete(try claim(fixture), outcome, now: Date())
        return scanID
    }

    func makeProcessor(_ fixture: RunnerFixture, configure: (inout ScanProcessor) -> Void = { _ in }) throws -> ScanProcessor {
        var processor = ScanProcessor(configuration: try fixture.configuration(), stop: StopSignal(), logger: Logger(label: "test"))
        configure(&processor)
        return processor
    }

    func run(_ processor: ScanProcessor, _ fixture: RunnerFixture, target: Int64, ports: String) throws -> (Int64, ScanEnd) {
        let scanID = try fixture.addScan(target: target, ports: ports)
        return (scanID, processor.process(try claim(fixture), claimedAt: .now, store: fixture.store))
    }

    func alerts(_ fixture: RunnerFixture, scan: Int64) throws -> [String] {
        try fixture.db.query("SELECT type, port FROM alerts WHERE scan_id = ? ORDER BY id", [.int(scan)]).map {
            "\(try $0.string("type")):\(try $0.optionalInt("port").map(String.init) ?? "-")"
        }
    }

    @Test("a host gone silent raises one host_down; the scan that sees it again resolves it (announced like a user's resolve) and raises new_port only for a new port")
    func hostDownRaisedAndResolved() throws {
        let fixture = try RunnerFixture()
        try fixture.db.execute("""
            INSERT INTO notification_channels (user_id, type, url, secret, min_severity, events, enabled, created_at)
            VALUES (?, 'webhook', 'https://hooks.example.com/x', 'whsec_t', 'low', 'alert.opened,alert.resolved', 1, NOW(6))
            """, [.int(fixture.userID)])
        let target = try fixture.addTarget("192.0.2.10")
        let address = "192.0.2.10"
        try write(fixture, target: target, ScanOutcome(hosts: [host(address, up: true, open: [22, 80])], tls: [:], remark: nil))
        var down = ScanOutcome(hosts: [host(address, up: false, open: [])], tls: [:], remark: nil)
        down.confirmations = [AddressPort(address, 22): .silent, AddressPort(address, 80): .silent]
        let downScan = try write(fixture, target: target, down)
        #expect(try alerts(fixture, scan: downScan) == ["host_down:-"])
        #expect(try fixture.string("SELECT severity AS s FROM alerts WHERE type = 'host_down'") == "medium")

        var back = ScanOutcome(hosts: [host(address, up: true, open: [22, 80, 8080])], tls: [:], remark: nil)
        back.confirmations = [AddressPort(address, 8080): .open]
        let backScan = try write(fixture, target: target, back)
        #expect(try alerts(fixture, scan: backScan) == ["new_port:8080"])
        #expect(try fixture.string("SELECT status AS s FROM alerts WHERE type = 'host_down'") == "resolved")
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'host_down' AND resolved_at IS NOT NULL") == 1)
        let events = try fixture.db.query("""
            SELECT d.event, a.type FROM notification_deliveries d
            JOIN alerts a ON a.id = CAST(JSON_VALUE(d.payload, '$.data.alert.id') AS UNSIGNED) ORDER BY d.id
            """).map { "\(try $0.string("event")) \(try $0.string("type"))" }
        #expect(events == ["alert.opened host_down", "alert.opened new_port", "alert.resolved host_down"])
    }

    @Test("a host_down that the re-probes do not confirm raises nothing and the host stays up in the baseline")
    func hostDownUnconfirmed() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("192.0.2.11")
        let address = "192.0.2.11"
        try write(fixture, target: target, ScanOutcome(hosts: [host(address, up: true, open: [22])], tls: [:], remark: nil))
        var silent = ScanOutcome(hosts: [host(address, up: false, open: [])], tls: [:], remark: nil)
        silent.confirmations = [AddressPort(address, 22): .open]
        #expect(try alerts(fixture, scan: try write(fixture, target: target, silent)) == [])
        // Seen up with its port next time: nothing either (no new_port for a port never lost).
        var again = ScanOutcome(hosts: [host(address, up: true, open: [22])], tls: [:], remark: nil)
        again.confirmations = [:]
        #expect(try alerts(fixture, scan: try write(fixture, target: target, again)) == [])
    }

    @Test("a port list narrowed between scans raises no closed_port for the ports left out; a real close is confirmed and raised once")
    func narrowedPortList() throws {
        let fixture = try RunnerFixture()
        let kept = try LoopbackListener()
        let dropped = try LoopbackListener()
        defer { dropped.close() }
        let target = try fixture.addTarget("127.0.0.1")
        let processor = try makeProcessor(fixture)
        let (first, firstEnd) = try run(processor, fixture, target: target, ports: "\(min(kept.port, dropped.port)),\(max(kept.port, dropped.port))")
        guard case .completed = firstEnd else { Issue.record("first scan: \(firstEnd)"); return }
        #expect(try alerts(fixture, scan: first) == [])
        let (narrow, narrowEnd) = try run(processor, fixture, target: target, ports: "\(kept.port)")
        guard case .completed = narrowEnd else { Issue.record("narrow scan: \(narrowEnd)"); return }
        #expect(try alerts(fixture, scan: narrow) == [])
        kept.close()
        let (closed, _) = try run(processor, fixture, target: target, ports: "\(kept.port)")
        #expect(try alerts(fixture, scan: closed) == ["closed_port:\(kept.port)"])
        #expect(try fixture.string("SELECT details AS s FROM alerts WHERE scan_id = ?", [.int(closed)])?.contains(#""confirmed":true"#) == true)
    }

    @Test("a domain whose addresses rotate raises nothing; a port closed on every address raises one closed_port naming them")
    func rotatingDomain() throws {
        let addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
        let port = try LoopbackListener.freePort(address: "127.0.0.2")
        let listeners = try addresses.map { try LoopbackListener(address: $0, port: port) }
        defer { listeners.forEach { $0.close() } }
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("rotating.test", type: "domain", count: 0)
        let answers = AnswerBox([["127.0.0.2", "127.0.0.3"], ["127.0.0.4", "127.0.0.5"], ["127.0.0.6"]])
        let processor = try makeProcessor(fixture) { $0.executor.resolve = { _ in answers.next() } }
        for round in 0..<2 {
            let (scan, end) = try run(processor, fixture, target: target, ports: "\(port)")
            guard case .completed(let summary) = end else { Issue.record("round \(round): \(end)"); return }
            #expect(summary.openPorts == 2)
            #expect(try alerts(fixture, scan: scan) == [], "round \(round)")
        }
        let (gone, _) = try run(processor, fixture, target: target, ports: "\(port)")
        #expect(try alerts(fixture, scan: gone) == ["closed_port:\(port)"])
        let details = try #require(try fixture.string("SELECT details AS s FROM alerts WHERE scan_id = ?", [.int(gone)]))
        #expect(details.contains("\"hostname\":\"rotating.test\""))
        #expect(details.contains("\"previous_addresses\":[\"127.0.0.4\",\"127.0.0.5\"]"))
        #expect(details.contains("\"addresses\":[\"127.0.0.6\"]"))
    }

    @Test("a host answering open on every sampled port is accepts_all: one info alert, no port alerts, at most 100 ports stored")
    func acceptsAll() throws {
        let fixture = try RunnerFixture()
        let listeners = try (0..<10).map { _ in try LoopbackListener() }.sorted { $0.port < $1.port }
        defer { listeners.forEach { $0.close() } }
        let scanned = listeners.prefix(8).map(\.port)
        let sample = listeners.suffix(2).map(\.port)
        let list = scanned.map(String.init).joined(separator: ",")
        let target = try fixture.addTarget("127.0.0.1")
        var configuration = try fixture.configuration()
        configuration.acceptsAllMinimumOpen = 8
        var processor = ScanProcessor(configuration: configuration, stop: StopSignal(), logger: Logger(label: "test"))
        processor.executor.samplePorts = { _, _ in sample }
        // Baseline while only two ports listen: set as found.
        listeners[2..<8].forEach { $0.close() }
        _ = try run(processor, fixture, target: target, ports: list)
        let reopened = try scanned[2..<8].map { try LoopbackListener(address: "127.0.0.1", port: $0) }
        defer { reopened.forEach { $0.close() } }
        let (scan, end) = try run(processor, fixture, target: target, ports: list)
        guard case .completed = end else { Issue.record("not completed: \(end)"); return }
        #expect(try alerts(fixture, scan: scan) == ["accepts_all:-"])
        #expect(try fixture.string("SELECT severity AS s FROM alerts WHERE scan_id = ?", [.int(scan)]) == "info")
        #expect(try fixture.int("SELECT accepts_all AS n FROM scan_hosts WHERE scan_id = ?", [.int(scan)]) == 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.int(scan)]) <= 100)

        // A real host with as many open ports is not: the sampled ports are closed.
        var plain = ScanProcessor(configuration: configuration, stop: StopSignal(), logger: Logger(label: "test"))
        plain.executor.resolve = { _ in ["127.0.0.1"] }
        let (real, _) = try run(plain, fixture, target: try fixture.addTarget("real.test", type: "domain", count: 0), ports: list)
        #expect(try fixture.int("SELECT accepts_all AS n FROM scan_hosts WHERE scan_id = ?", [.int(real)]) == 0)
    }

    @Test("open ports over the per-host cap are cut, said in the host's notes and the scan's limits_hit, and raise no closed_port")
    func openPortCap() throws {
        let fixture = try RunnerFixture()
        let listeners = try (0..<4).map { _ in try LoopbackListener() }
        defer { listeners.forEach { $0.close() } }
        let list = listeners.map(\.port).sorted().map(String.init).joined(separator: ",")
        let target = try fixture.addTarget("127.0.0.1")
        let (first, _) = try run(try makeProcessor(fixture), fixture, target: target, ports: list)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.int(first)]) == 4)
        var configuration = try fixture.configuration()
        configuration.maxOpenPortsPerHost = 2
        let capped = ScanProcessor(configuration: configuration, stop: StopSignal(), logger: Logger(label: "test"))
        let (scan, _) = try run(capped, fixture, target: target, ports: list)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.int(scan)]) == 2)
        #expect(try fixture.string("SELECT notes AS s FROM scan_hosts WHERE scan_id = ?", [.int(scan)]) == #"["open ports capped at 2 (4 found)"]"#)
        #expect(try fixture.string("SELECT limits_hit AS s FROM scans WHERE id = ?", [.int(scan)]) == #"["open ports per host capped at 2 (1 host)"]"#)
        #expect(try alerts(fixture, scan: scan) == [])
    }

    @Test("a scan out of time keeps what it found as partial, says so in limits_hit, and raises no closed_port")
    func durationBudget() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.0/30", type: "cidr", count: 4)
        let scanID = try fixture.addScan(target: target, ports: "1-65535")
        var configuration = try fixture.configuration()
        configuration.maxInFlight = 1
        configuration.maxScanDuration = .seconds(1)
        let processor = ScanProcessor(configuration: configuration, stop: StopSignal(), logger: Logger(label: "test"))
        let end = processor.process(try claim(fixture), claimedAt: .now, store: fixture.store)
        guard case .completed = end else { Issue.record("not completed: \(end)"); return }
        let limits = try #require(try fixture.string("SELECT limits_hit AS s FROM scans WHERE id = ?", [.int(scanID)]))
        #expect(limits.contains("scan duration capped at 1 s: results are partial"))
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts") == 0)
    }

    @Test("a domain resolving to a refused address says so without naming it; the summary has no row for it")
    func refusedNotNamed() throws {
        let fixture = try RunnerFixture()
        let listener = try LoopbackListener()
        defer { listener.close() }
        let target = try fixture.addTarget("mixed.test", type: "domain", count: 0)
        let processor = try makeProcessor(fixture) { $0.executor.resolve = { _ in ["127.0.0.1", "10.1.2.3"] } }
        let (scan, end) = try run(processor, fixture, target: target, ports: "\(listener.port)")
        guard case .completed = end else { Issue.record("not completed: \(end)"); return }
        let remark = try #require(try fixture.string("SELECT error AS s FROM scans WHERE id = ?", [.int(scan)]))
        #expect(remark == "1 address resolved to a non-public address and was not scanned")
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts WHERE scan_id = ? AND host = '10.1.2.3'", [.int(scan)]) == 0)
    }
}

/// Successive resolver answers, the last repeated.
final class AnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [[String]]

    init(_ answers: [[String]]) { self.answers = answers }

    func next() -> [String] {
        lock.withLock { answers.count > 1 ? answers.removeFirst() : answers.first ?? [] }
    }
}
