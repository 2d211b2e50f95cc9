// The write-back transaction: idempotent (applied twice -> no duplicates), and alerts from the diff
// against the previous completed scan of the same target, on real loopback listeners.
import SkannrCore
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
@testable import ScanEngine
import TestSupport

@Suite("Writing results back", .needsDatabase, .serialized)
struct WriteBackTests {
    func claim(_ fixture: RunnerFixture) throws -> ClaimedScan {
        let claimer = ScanClaimer(scannerID: "w", leaseDuration: .seconds(30), maxAttempts: 3)
        guard case .claimed(let scan) = try claimer.claim(fixture.store) else { throw TestFailure("nothing claimed") }
        return scan
    }

    func counts(_ fixture: RunnerFixture) throws -> [Int64] {
        try ["scan_hosts", "port_results", "tls_certificates", "alerts", "xp_events"].map {
            try fixture.int("SELECT COUNT(*) AS n FROM \($0)")
        }
    }

    @Test("applying the same write twice adds nothing the second time, even when the fence lets it through")
    func idempotent() throws {
        let fixture = try RunnerFixture()
        let target = try fixture.addTarget("127.0.0.1")
        let scanID = try fixture.addScan(target: target, ports: "22,443")
        let scan = try claim(fixture)
        let key = HostKey.bytes(for: "127.0.0.1")
        let expiring = Date().addingTimeInterval(3 * 86_400)
        let outcome = ScanOutcome(
            hosts: [HostOutcome(host: "127.0.0.1", hostKey: key, hostname: nil, up: true, openPorts: [22, 443],
                                closedCount: 0, filteredCount: 0, note: nil)],
            tls: [HostPort(host: "127.0.0.1", port: 443): .init(
                version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", subject: "CN=localhost", issuer: "CN=localhost",
                san: ["localhost"], notBefore: Date().addingTimeInterval(-86_400), notAfter: expiring,
                fingerprintSHA256: String(repeating: "ab", count: 32), selfSigned: true, expired: false)],
            remark: nil)
        let first = try fixture.store.complete(scan, outcome, now: Date())
        #expect(first.openPorts == 2 && first.tlsCertificates == 1)
        #expect(first.alerts == 1)   // baseline: only tls_expiring
        let after = try counts(fixture)
        // xp_events: scan_completed plus the achievements it earns (ProgressStore): first_scan, first_target,
        // zero_critical, grade_a, upgraded_plan (a business account).
        #expect(after == [1, 2, 1, 1, 6])
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM xp_events WHERE kind = 'scan_completed'") == 1)
        #expect(try fixture.string("SELECT service AS s FROM port_results WHERE port = 22") == "ssh")
        #expect(try fixture.string("SELECT dedupe_key AS s FROM alerts") == "tls_expiring:" + String(repeating: "ab", count: 32) + ":7")

        // Second application: the scan is completed, the fence refuses, nothing changes.
        #expect { try fixture.store.complete(scan, outcome, now: Date()) }
            throws: { $0 is LeaseLostError }
        #expect(try counts(fixture) == after)

        // A crash-and-retry with the lease still ours: delete-then-insert and INSERT IGNORE keep it exact.
        try fixture.db.execute("UPDATE scans SET status = 'running', lease_owner = ? WHERE id = ?", [.text(scan.leaseOwner), .int(scanID)])
        let again = try fixture.store.complete(scan, outcome, now: Date())
        #expect(again.alerts == 0)
        #expect(try counts(fixture) == after)
        #expect(try fixture.status(scanID) == "completed")
        #expect(try fixture.int("SELECT progress = 100 AS n FROM scans WHERE id = ?", [.int(scanID)]) == 1)
        #expect(try fixture.string("SELECT lease_owner AS s FROM scans WHERE id = ?", [.int(scanID)]) == nil)
    }

    @Test("rescans raise new_port when a listener opens and closed_port when one closes")
    func alertsOnRescan() throws {
        let fixture = try RunnerFixture()
        let first = try LoopbackListener()
        let second = try LoopbackListener()
        let thirdPort = try LoopbackListener.freePort()
        let ports = [first.port, second.port, thirdPort].sorted().map(String.init).joined(separator: ",")
        let target = try fixture.addTarget("127.0.0.1", ports: ports)
        let configuration = try fixture.configuration()
        let runner = ScanRunner(configuration: configuration)

        try fixture.addScan(target: target, ports: ports)
        guard case .completed(let baseline) = try runner.step(fixture.store) else { Issue.record("baseline did not complete"); return }
        #expect(baseline.openPorts == 2)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts") == 0)

        let third = try LoopbackListener(address: "127.0.0.1", port: thirdPort)
        defer { third.close() }
        let rescan = try fixture.addScan(target: target, ports: ports)
        guard case .completed(let opened) = try runner.step(fixture.store) else { Issue.record("rescan did not complete"); return }
        #expect(opened.openPorts == 3)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'new_port' AND port = ? AND scan_id = ?",
                                [.int(Int64(thirdPort)), .int(rescan)]) == 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts") == 1)

        first.close()
        let last = try fixture.addScan(target: target, ports: ports)
        guard case .completed(let closed) = try runner.step(fixture.store) else { Issue.record("third scan did not complete"); return }
        #expect(closed.openPorts == 2)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'closed_port' AND port = ? AND scan_id = ?",
                                [.int(Int64(first.port)), .int(last)]) == 1)
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts") == 2)
        #expect(try fixture.int("SELECT last_scan_id AS n FROM targets WHERE id = ?", [.int(target)]) == last)
        second.close()
    }
}
