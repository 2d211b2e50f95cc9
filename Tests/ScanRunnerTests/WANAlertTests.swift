// Issue 14's end-to-end check through the real runner on the WAN bench (~80 ms RTT, 1 % loss each
// way, a 5,000 packets/s drop-tail bottleneck): 10 scans of unchanged hosts raise no alert, a port
// opened between two scans raises exactly one new_port, a host taken down exactly one host_down
// (resolved when it is back). Root only: skipped with the reason otherwise. The runner is pinned to
// the bench's own networks. Figures (open ports found, seconds per scan) are printed, not asserted.
import Foundation
import Logging
import MariaDB
import SkannrCore
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("Alerts on the WAN bench", .serialized, .needsDatabase,
       .needs(WANBench.unavailableReason))
struct WANAlertTests {
    struct Runner {
        let fixture: RunnerFixture
        let processor: ScanProcessor
        let ports: String

        /// One scan of `target` to its end; returns its id and its alerts as "type:port".
        func scan(_ target: Int64, _ label: String) throws -> (Int64, [String]) {
            let scanID = try fixture.addScan(target: target, ports: ports)
            let claimer = ScanClaimer(scannerID: "wan", leaseDuration: .seconds(30), maxAttempts: 3)
            guard case .claimed(let claimed) = try claimer.claim(fixture.store) else { throw TestFailure("nothing claimed") }
            let started = ContinuousClock.now
            let end = processor.process(claimed, claimedAt: .now, store: fixture.store)
            guard case .completed(let summary) = end else { throw TestFailure("\(label): \(end)") }
            let alerts = try fixture.db.query("SELECT type, port FROM alerts WHERE scan_id = ? ORDER BY id", [.int(scanID)]).map {
                "\(try $0.string("type")):\(try $0.optionalInt("port").map(String.init) ?? "-")"
            }
            print("[wan] \(label): \(summary.openPorts) open, \(ContinuousClock.now - started), alerts \(alerts)")
            return (scanID, alerts)
        }
    }

    @Test("behind the lossy congested link: 10 unchanged scans raise nothing, an opened port one new_port, a host taken down one host_down")
    func noFalseAlerts() throws {
        let bench = try WANBench.up(link: .bottleneck)
        defer { bench.down() }
        let truth = try bench.truth()
        let host = try #require(truth.host(.closed))
        let dropping = try #require(truth.host(.dropping))
        let fixture = try RunnerFixture()
        var configuration = try fixture.configuration()
        configuration.onlyNetworks = try ScanScope.networks(bench.networks)
        configuration.probeTimeout = .seconds(1)
        configuration.tlsTimeout = .seconds(3)
        let runner = Runner(fixture: fixture, processor: ScanProcessor(configuration: configuration, stop: StopSignal(),
                                                                       logger: Logger(label: "wan")),
                            ports: "\(truth.portRange[0])-\(truth.portRange[1])")
        let target = try fixture.addTarget(host.address)
        let quiet = try fixture.addTarget(dropping.address)

        var unexpected: [String] = []
        for round in 1...10 {
            for (id, name) in [(target, "closed host"), (quiet, "dropping host")] {
                let (_, alerts) = try runner.scan(id, "round \(round), \(name)")
                unexpected += alerts.map { "round \(round) \(name): \($0)" }
            }
        }
        #expect(unexpected == [], "false alerts on unchanged hosts")

        let extra = try #require((UInt16(truth.portRange[0])...UInt16(truth.portRange[1])).first { host.state(of: $0) == "closed" })
        try bench.openPort(extra, on: .closed)
        #expect(try runner.scan(target, "port \(extra) opened").1 == ["new_port:\(extra)"])

        try bench.takeDown(.closed)
        #expect(try runner.scan(target, "host taken down").1 == ["host_down:-"])
        try bench.bringUp(.closed)
        #expect(try runner.scan(target, "host back").1 == [])
        #expect(try fixture.string("SELECT status AS s FROM alerts WHERE type = 'host_down' AND target_id = ?", [.int(target)]) == "resolved")
    }

    @Test("on the lossy link: the tarpit is accepts_all once (no port alerts), a rotating name raises no alert")
    func tarpitAndRotatingName() throws {
        let bench = try WANBench.up(link: .lossy)
        defer { bench.down() }
        let truth = try bench.truth()
        let tarpit = try #require(truth.host(.tarpit))
        let fixture = try RunnerFixture()
        var configuration = try fixture.configuration()
        configuration.onlyNetworks = try ScanScope.networks(bench.networks)
        configuration.dnsServers = ["\(truth.dns.server):\(truth.dns.port)"]
        configuration.probeTimeout = .seconds(1)
        configuration.tlsTimeout = .seconds(3)
        let runner = Runner(fixture: fixture, processor: ScanProcessor(configuration: configuration, stop: StopSignal(),
                                                                       logger: Logger(label: "wan")),
                            ports: "\(truth.portRange[0])-\(truth.portRange[1])")

        let trap = try fixture.addTarget(tarpit.address)
        let (first, firstAlerts) = try runner.scan(trap, "tarpit")
        #expect(firstAlerts == ["accepts_all:-"])
        #expect(try fixture.int("SELECT accepts_all AS n FROM scan_hosts WHERE scan_id = ?", [.int(first)]) == 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.int(first)]) <= 100)
        #expect(try runner.scan(trap, "tarpit again").1 == [])

        let name = try fixture.addTarget(truth.dns.rotating, type: "domain", count: 0)
        var seen: Set<String> = []
        for round in 1...3 {
            let (scan, alerts) = try runner.scan(name, "\(truth.dns.rotating) round \(round)")
            #expect(alerts == [], "round \(round)")
            seen.formUnion(try fixture.db.query("SELECT host FROM scan_hosts WHERE scan_id = ?", [.int(scan)]).map { try $0.string("host") })
        }
        #expect(seen.count > 1, "the name rotated: \(seen.sorted())")

        // Not here yet: the TLS host. Scanned through the runner it answered 95 of its 200 ports, then none
        // (closed, confirmed by the re-probes) on the next scan: the bench's TLS listener stops accepting
        // after a sweep plus a TLS phase. To be added once the bench's TLS host holds that load.
    }

    @Test("a sweep without retries on the lossy link may miss open ports; the re-probes keep that from alerting")
    func weakSweepConfirmed() throws {
        let bench = try WANBench.up(link: .lossy, seed: 2)
        defer { bench.down() }
        let truth = try bench.truth()
        let host = try #require(truth.host(.closed))
        let fixture = try RunnerFixture()
        var configuration = try fixture.configuration()
        configuration.onlyNetworks = try ScanScope.networks(bench.networks)
        configuration.retries = 0
        configuration.probeTimeout = .milliseconds(300)
        configuration.tlsTimeout = .seconds(3)
        let runner = Runner(fixture: fixture, processor: ScanProcessor(configuration: configuration, stop: StopSignal(),
                                                                       logger: Logger(label: "wan")),
                            ports: "\(truth.portRange[0])-\(truth.portRange[1])")
        let target = try fixture.addTarget(host.address)
        var found: [Int64] = []
        for round in 1...5 {
            let (scan, alerts) = try runner.scan(target, "weak sweep round \(round)")
            #expect(alerts == [], "round \(round)")
            found.append(try fixture.int("SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.int(scan)]))
            print("[wan] filtered: \(try fixture.int("SELECT filtered_count AS n FROM scan_hosts WHERE scan_id = ?", [.int(scan)]))")
        }
        print("[wan] open ports found per scan without retries: \(found) of \(host.open.count)")
    }
}
