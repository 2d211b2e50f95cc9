// The scheduler leader (issue 20): of two real `skannr-scanner run` processes on one database exactly
// one holds the named lock and schedules; SIGKILLed, it hands over to the other, which schedules.
// Trap: needs the built executable (ScannerBinary); leadership is read from the processes' JSON logs.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
@testable import ScanRunner
import TestSupport

@Suite("The scheduler leader", .enabled(if: TestDatabase.isAvailable && ScannerBinary.path != nil), .serialized)
struct SchedulerLeaderTests {
    static func becameLeader(_ process: BackgroundProcess) -> Int {
        let log = (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""
        return log.components(separatedBy: "scheduler_leader").count - 1
    }

    /// Polls `condition` every 100 ms for up to `seconds`.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    @Test("two runners: exactly one schedules; when it dies the other takes over and schedules")
    func oneLeaderThenTakeover() throws {
        let fixture = try RunnerFixture()
        func settings(_ id: String) throws -> String {
            try fixture.settingsFile(["SKANNR_SCANNER_ID=\(id)", "SKANNR_SCANNER_SCHEDULE_INTERVAL_MS=100"]).path
        }
        let scheduled = "SELECT COUNT(*) AS n FROM scans WHERE trigger_kind = 'scheduled' AND target_id = ?"
        let first = try fixture.addTarget("127.0.0.1", ports: "1", interval: 60, nextScanAt: Date().addingTimeInterval(-1))
        let a = try BackgroundProcess(ScannerBinary.path ?? "/bin/false", ["run", "--config", try settings("runner-a")])
        defer { a.kill() }
        #expect(Self.eventually(20) { Self.becameLeader(a) == 1 }, "the first runner leads")
        #expect(try Self.eventually(10) { try fixture.int(scheduled, [.int(first)]) == 1 })

        let b = try BackgroundProcess(ScannerBinary.path ?? "/bin/false", ["run", "--config", try settings("runner-b")])
        defer { b.kill() }
        Thread.sleep(forTimeInterval: 2)   // a few of b's attempts at the lock
        #expect(Self.becameLeader(b) == 0, "the second runner stands by")
        #expect(Self.becameLeader(a) == 1)

        kill(a.pid, SIGKILL)
        #expect(a.wait(timeout: 10) == 128 + SIGKILL)
        #expect(Self.eventually(15) { Self.becameLeader(b) == 1 }, "the second runner takes over")
        let second = try fixture.addTarget("127.0.0.2", ports: "1", interval: 60, nextScanAt: Date().addingTimeInterval(-1))
        #expect(try Self.eventually(10) { try fixture.int(scheduled, [.int(second)]) == 1 }, "and schedules")
        #expect(try fixture.int(scheduled, [.int(first)]) == 1, "nothing scheduled twice")
    }

    @Test("the leader runs the retention job: rows of scans past the kept window go, their summary rows stay")
    func leaderRunsRetention() throws {
        let fixture = try RunnerFixture(plan: "free")
        let target = try fixture.addTarget("127.0.0.1", ports: "1")
        var scans: [Int64] = []
        for hour in 0..<3 {   // three completed scans, one open port each; a free plan keeps the 2 newest
            let scan = try fixture.addScan(target: target, ports: "1")
            try fixture.db.execute("UPDATE scans SET status = 'completed', finished_at = ? WHERE id = ?",
                                   [.date(Date(timeIntervalSince1970: 1_790_000_000 + Double(hour) * 3600)), .int(scan)])
            try fixture.db.execute("INSERT INTO port_results (scan_id, host, host_key, port, state) VALUES (?, '127.0.0.1', ?, 1, 'open')",
                                   [.int(scan), .blob(HostKey.bytes(for: "127.0.0.1"))])
            scans.append(scan)
        }
        let rows = "SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?"
        let settings = try fixture.settingsFile(["SKANNR_SCANNER_ID=retention-leader", "SKANNR_RETENTION_KEEP_SCANS_FREE=2",
                                                 "SKANNR_RETENTION_INTERVAL_SECONDS=1"]).path
        let runner = try BackgroundProcess(ScannerBinary.path ?? "/bin/false", ["run", "--config", settings])
        defer { runner.kill() }
        #expect(try Self.eventually(20) { try fixture.int(rows, [.int(scans[0])]) == 0 }, "the oldest scan's rows are pruned")
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE id = ? AND results_pruned_at IS NOT NULL", [.int(scans[0])]) == 1)
        #expect(try fixture.int(rows, [.int(scans[1])]) == 1 && fixture.int(rows, [.int(scans[2])]) == 1, "the kept window is untouched")
    }
}
