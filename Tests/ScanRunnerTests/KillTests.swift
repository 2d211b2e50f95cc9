// The gold standard: a real `skannr-scanner run` process is SIGKILLed mid-scan; after its lease
// expires another runner takes the scan over and completes it (attempt 2).
// Trap: needs the built executable (.build/debug/skannr-scanner or SKANNR_TEST_BIN_DIR); skipped without it.
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

enum ScannerBinary {
    static var path: String? {
        let dir = ProcessInfo.processInfo.environment["SKANNR_TEST_BIN_DIR"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug").path
        let path = dir + "/skannr-scanner"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static var unavailableReason: String? { path == nil ? "needs the skannr-scanner binary (swift build)" : nil }
}

@Suite("A killed runner", .needsDatabase, .needs(ScannerBinary.unavailableReason), .serialized)
struct KillTests {
    @Test("a runner SIGKILLed mid-scan: the scan stays held until the lease expires, then another runner finishes it")
    func sigkillMidScan() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.0/30", type: "cidr", count: 4)
        let scanID = try fixture.addScan(target: target, ports: "1-65535")
        let settings = try fixture.settingsFile([
            "SKANNR_SCANNER_ID=doomed",
            "SKANNR_SCANNER_LEASE_SECONDS=2",
            "SKANNR_SCANNER_HEARTBEAT_SECONDS=1",
            "SKANNR_SCANNER_PROGRESS_MS=300",
            "SKANNR_SCANNER_MAX_IN_FLIGHT=1",
        ])
        let process = try BackgroundProcess(ScannerBinary.path ?? "/bin/false", ["run", "--config", settings.path])
        defer { process.kill() }

        // Wait until it has claimed the scan and written some progress.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try fixture.int("SELECT status = 'running' AND progress > 0 AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)])?.hasPrefix("doomed") == true)
        kill(process.pid, SIGKILL)
        #expect(process.wait(timeout: 10) == 128 + SIGKILL)

        // Still held: nobody may take it before the lease runs out.
        var configuration = try fixture.configuration(scannerID: "survivor")
        configuration.leaseDuration = .seconds(10)
        let runner = ScanRunner(configuration: configuration)
        #expect(try ScanClaimer(scannerID: "early", leaseDuration: .seconds(10), maxAttempts: 3).claim(fixture.store) == nil)
        Thread.sleep(forTimeInterval: 2.2)
        guard case .completed(let summary) = try runner.step(fixture.store) else { Issue.record("the takeover did not complete"); return }
        #expect(summary.hosts == 4)
        #expect(try fixture.status(scanID) == "completed")
        #expect(try fixture.int("SELECT attempts AS n FROM scans WHERE id = ?", [.int(scanID)]) == 2)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scan_hosts WHERE scan_id = ?", [.int(scanID)]) == 4)
    }

    @Test("the CLI: run --once exits 0, trigger-all exits 0 and enqueues, SIGTERM stops an idle runner with status 0")
    func commandLine() throws {
        let fixture = try RunnerFixture()
        try fixture.addTarget("127.0.0.1", ports: "\(try LoopbackListener.freePort())")
        let settings = try fixture.settingsFile()
        let binary = ScannerBinary.path ?? "/bin/false"
        let trigger = try Shell.execute(binary, ["trigger-all", "--config", settings.path], timeout: 30)
        #expect(trigger.status == 0)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE trigger_kind = 'bulk'") == 1)

        let once = try Shell.execute(binary, ["run", "--once", "--config", settings.path], timeout: 60)
        #expect(once.status == 0)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE status = 'completed'") == 1)

        let idle = try BackgroundProcess(binary, ["run", "--config", settings.path])
        defer { idle.kill() }
        Thread.sleep(forTimeInterval: 0.8)
        kill(idle.pid, SIGTERM)
        #expect(idle.wait(timeout: 10) == 0, "SIGTERM stops an idle runner with status 0")
    }
}
