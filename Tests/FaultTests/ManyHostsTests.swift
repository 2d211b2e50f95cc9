// Many hosts for real (issue 20): scripts/multi-host runs three scan-runners in three network
// namespaces (each its own address, MariaDB over a veth), two responder pools behind one nginx
// upstream and one MariaDB; it kill -9s a runner in the middle of a scan in each of two rounds and
// checks from the database (scripts/lib/multi_host.py, `check`) that every scan completed exactly
// once (one attempt, two for the killed runner's scan), results are whole and not doubled, no work
// unit is left and no alert is duplicated; and that a free account's scan queued behind a business
// backlog is claimed next instead of after the backlog (fair claiming). Root only (namespaces).
// Trap: the harness has its own stack (MariaDB must listen on the bridge), not scripts/test's.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite(.enabled(if: TestStack.isAvailable && getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")), .serialized)
struct ManyHostsTests {
    static var script: String { TestStack.projectDirectory + "/scripts/multi-host" }

    @Test func everyScanCompletesExactlyOnceWithWholeResultsNoUnitsLeftAndNoDuplicateAlertsWhenARunnerIsKilledAndAFreeScanIsNotStuckBehindABacklog() throws {
        let folder = NSTemporaryDirectory() + "skannr-multi-host-\(UUID().uuidString.prefix(8))"
        var environment = ProcessInfo.processInfo.environment
        environment["SKANNR_BIN_DIR"] = TestStack.binDirectory
        defer {
            _ = try? Shell.execute(Self.script, ["down", folder], timeout: 120, environment: environment)
            try? FileManager.default.removeItem(atPath: folder)
        }
        let up = try Shell.execute(Self.script, ["up", folder], timeout: 180, environment: environment)
        try #require(up.status == 0, "scripts/multi-host up failed: \(up.output.suffix(2000))")
        let run = try Shell.execute(Self.script, ["run", folder, "--targets", "9"], timeout: 420, environment: environment)
        let lines = run.output.split(separator: "\n").filter { $0.hasPrefix("MULTI-HOST") }
        for line in lines where !line.hasPrefix("MULTI-HOST OK") { print("SKANNR-FIGURES " + line) }
        #expect(run.status == 0, "\(run.output.suffix(3000))")
        #expect(lines.contains("MULTI-HOST OK"))
        #expect(!lines.contains { $0.hasPrefix("MULTI-HOST FAIL") })
    }
}
