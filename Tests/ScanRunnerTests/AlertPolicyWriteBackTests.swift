// Issue 19 through the real write-back on loopback listeners: a target's expected ports rate port
// changes (new_port on one: info; closed_port on one: high), and an accepted new_port does not
// silence the port's next change (closed_port) nor its reopening after that.
import SkannrCore
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanRunner
@testable import ScanEngine
import TestSupport

@Suite("Alert policy in the write-back (issue 19)", .needsDatabase, .serialized)
struct AlertPolicyWriteBackTests {
    @Test("expected ports: opening one is info, closing one is high")
    func expectedPorts() throws {
        let fixture = try RunnerFixture()
        let kept = try LoopbackListener()
        let expectedPort = try LoopbackListener.freePort()
        let ports = [kept.port, expectedPort].sorted().map(String.init).joined(separator: ",")
        let target = try fixture.addTarget("127.0.0.1", ports: ports)
        try fixture.db.execute("UPDATE targets SET expected_ports = ? WHERE id = ?", [.text("\(expectedPort),\(kept.port)"), .int(target)])
        let runner = ScanRunner(configuration: try fixture.configuration())
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("baseline did not complete"); return }

        let opened = try LoopbackListener(address: "127.0.0.1", port: expectedPort)
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("rescan did not complete"); return }
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'new_port' AND port = ? AND severity = 'info'",
                                [.int(Int64(expectedPort))]) == 1)

        kept.close()
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("third scan did not complete"); return }
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'closed_port' AND port = ? AND severity = 'high'",
                                [.int(Int64(kept.port))]) == 1)
        opened.close()
    }

    @Test("an accepted new_port still lets the port's next change and its reopening alert")
    func acceptedThenChanged() throws {
        let fixture = try RunnerFixture()
        let other = try LoopbackListener()
        let port = try LoopbackListener.freePort()
        let ports = [other.port, port].sorted().map(String.init).joined(separator: ",")
        let target = try fixture.addTarget("127.0.0.1", ports: ports)
        let runner = ScanRunner(configuration: try fixture.configuration())
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("baseline did not complete"); return }
        var listener: LoopbackListener? = try LoopbackListener(address: "127.0.0.1", port: port)
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("rescan did not complete"); return }
        try fixture.db.execute("UPDATE alerts SET status = 'accepted', accepted_at = UTC_TIMESTAMP(6), accept_note = 'ok' WHERE type = 'new_port' AND port = ?",
                               [.int(Int64(port))])
        listener?.close(); listener = nil
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("closing scan did not complete"); return }
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'closed_port' AND port = ?", [.int(Int64(port))]) == 1)
        listener = try LoopbackListener(address: "127.0.0.1", port: port)
        try fixture.addScan(target: target, ports: ports)
        guard case .completed = try runner.step(fixture.store) else { Issue.record("reopening scan did not complete"); return }
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM alerts WHERE type = 'new_port' AND port = ?", [.int(Int64(port))]) == 2,
                "the reopening after a change alerts again")
        listener?.close()
        other.close()
    }
}
