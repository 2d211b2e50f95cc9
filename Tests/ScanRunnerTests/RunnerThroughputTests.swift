// Overlapping waits (issue 20): one runner process works on many scans at once (a thread and a
// connection per slot, SKANNR_SCANNER_CONCURRENT_SCANS), so 50 quick-profile scans of dead hosts
// behind the WAN bench's ~80 ms link wait out their timeouts together instead of in turn. The test
// checks that all 50 complete with the right results; the time is printed as a figure for
// scripts/bench-runner (SKANNR_BENCH_RUNNER_SLOTS sets the slots, default 50), never asserted.
// Root only (the WAN bench): skipped with the reason otherwise. Dead hosts: 198.18.N.200–249, which
// nothing in the bench's namespace answers for.
import Foundation
import Logging
import MariaDB
import SkannrCore
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("Many scans at once in one runner", .serialized, .enabled(if: TestDatabase.isAvailable),
       .enabled(if: WANBench.unavailableReason == nil, Comment(rawValue: WANBench.unavailableReason ?? "")))
struct RunnerThroughputTests {
    @Test("50 quick-profile scans of dead hosts behind the 80 ms link all complete: one host each, down, nothing open")
    func fiftyDeadHosts() throws {
        let bench = try WANBench.up(link: .lossy)
        defer { bench.down() }
        let prefix = try #require(bench.deadAddresses.first?.split(separator: ".").prefix(3).joined(separator: "."))
        let fixture = try RunnerFixture()
        let slots = Int(ProcessInfo.processInfo.environment["SKANNR_BENCH_RUNNER_SLOTS"] ?? "") ?? 50
        var configuration = try fixture.configuration(scannerID: "throughput")
        configuration.onlyNetworks = try ScanScope.networks(bench.networks)
        configuration.probeTimeout = .seconds(1)   // the stack's default, not the tests' 300 ms
        configuration.concurrentScans = slots
        configuration.maxRunningScansPerAccount = max(2, slots)
        let quick = PortCatalog.ports(for: .quick, custom: nil).map(String.init).joined(separator: ",")
        let scans = try (200..<250).map { last in
            try fixture.addScan(target: try fixture.addTarget("\(prefix).\(last)", profile: "quick"), ports: quick)
        }

        let runner = ScanRunner(configuration: configuration, logger: Logger(label: "throughput"))
        let done = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        Thread {
            runner.run()
            done.signal()
        }.start()
        let finished = "SELECT COUNT(*) AS n FROM scans WHERE status IN ('completed', 'failed')"
        let deadline = ContinuousClock.now + .seconds(300)
        while try fixture.int(finished) < Int64(scans.count), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let elapsed = ContinuousClock.now - started
        runner.stop.request()
        done.wait()

        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE status = 'completed'") == 50)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts WHERE state = 'down' AND open_count = 0") == 50)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM port_results") == 0)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts") == 0, "a first scan of a dead host alerts nothing")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("SKANNR-FIGURES runner-dead-hosts scans=50 slots=\(slots) seconds=\(String(format: "%.1f", seconds)) scans_per_minute=\(String(format: "%.0f", 50 / seconds * 60))")
    }
}
