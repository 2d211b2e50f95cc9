// The live scan flow through nginx and the stack's real scan-runner (pinned to loopback by
// SKANNR_SCANNER_ONLY_NETWORKS): listeners on 127.0.0.1, a custom-port target, a baseline scan
// whose results and summary match the listeners, then rescans producing new_port, closed_port and
// tls_change (openssl s_server swapping self-signed certificates), and the alert lifecycle moving
// /score, /achievements and /streak. Runs alone (FaultTests): it starts and stops the runner.
import Foundation
import Glibc
import SkannrCore
import Testing
import TestSupport

@Suite("Live scan flow", .serialized, .needsStack)
struct ScanFlowTests {
    /// POSTs a scan of the target and polls it until it completed (at most 60 s).
    static func scan(_ client: APIClient, target: Int64) throws -> Int64 {
        let started = try client.post("/targets/\(target)/scan")
        try #require(started.status == 202, "\(started)")
        let id = try #require(started.number("id"))
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let scan = try client.get("/scans/\(id)")
            let status = scan["status"] as? String
            if status == "completed" { return id }
            try #require(status == "pending" || status == "running", "scan \(id) ended: \(scan)")
            usleep(200_000)
        }
        throw FlowFailure("scan \(id) did not complete within 60 s")
    }

    static func alerts(_ client: APIClient, _ query: String) throws -> [[String: Any]] {
        let response = try client.get("/alerts?\(query)")
        #expect(response.status == 200, "\(response)")
        return response.items
    }

    @Test("scans find the listeners, rescans raise new_port, closed_port and tls_change, and resolving moves progress")
    func liveFlow() throws {
        try TestStack.control("scanner-start")
        defer { _ = try? TestStack.control("scanner-stop") }
        let directory = NSTemporaryDirectory() + "skannr-flow-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certA = try makeCertificate(in: directory, name: "a"), certB = try makeCertificate(in: directory, name: "b")
        #expect(certA.fingerprint != certB.fingerprint && certA.fingerprint.count == 64)

        let keep = try LoopbackListener(), dropLater = try LoopbackListener()
        defer { keep.close(); dropLater.close() }
        let openLater = try LoopbackListener.freePort(), closed = try LoopbackListener.freePort()
        let tlsPort = try LoopbackListener.freePort()
        var tls = try startTLSServer(port: tlsPort, cert: certA.cert, key: certA.key)
        defer { tls.kill() }

        let account = try TestAccount.make(plan: "business")
        let client = try APIClient(token: account.token)
        let ports = [keep.port, dropLater.port, openLater, closed, tlsPort]
        let created = try client.post("/targets", ["address": "127.0.0.1", "scan_profile": "custom",
                                                   "ports": ports.map(String.init).joined(separator: ",")])
        try #require(created.status == 201, "\(created)")
        let target = try #require(created.number("id"))

        // Baseline: results are exactly the listeners (and the TLS port), no port alerts.
        let first = try Self.scan(client, target: target)
        let results = try client.get("/scans/\(first)/results")
        #expect(results.status == 200)
        let baselineOpen = [keep.port, dropLater.port, tlsPort].sorted().map(Int.init)
        #expect(results.items.compactMap { $0["port"] as? Int } == baselineOpen, "\(results)")
        #expect(results.items.allSatisfy { $0["host"] as? String == "127.0.0.1" && $0["state"] as? String == "open" })
        let tlsResult = try #require(results.items.first { $0["port"] as? Int == Int(tlsPort) }?["tls"] as? [String: Any])
        #expect(tlsResult["fingerprint_sha256"] as? String == certA.fingerprint)
        #expect(tlsResult["self_signed"] as? Bool == true)
        let summary = try client.get("/scans/\(first)/summary")
        let totals = try #require(summary["totals"] as? [String: Any])
        #expect(totals["hosts"] as? Int == 1 && totals["hosts_up"] as? Int == 1)
        #expect(totals["open"] as? Int == 3 && totals["closed"] as? Int == 2 && totals["filtered"] as? Int == 0, "\(summary)")
        let host = try #require((summary["hosts"] as? [[String: Any]])?.first)
        #expect(host["open_ports"] as? [Int] == baselineOpen && host["state"] as? String == "up")
        #expect(try Self.alerts(client, "type=new_port").isEmpty && (try Self.alerts(client, "type=closed_port")).isEmpty)

        // Rescan with one more listener and the certificate swapped.
        let extra = try LoopbackListener(port: openLater)
        defer { extra.close() }
        tls.kill()
        tls = try startTLSServer(port: tlsPort, cert: certB.cert, key: certB.key)
        let second = try Self.scan(client, target: target)
        let newPorts = try Self.alerts(client, "type=new_port")
        #expect(newPorts.count == 1 && newPorts.first?["port"] as? Int == Int(openLater), "\(newPorts)")
        #expect(newPorts.first?["scan_id"] as? Int == Int(second) && newPorts.first?["status"] as? String == "open")
        let changes = try Self.alerts(client, "type=tls_change")
        try #require(changes.count == 1, "\(changes)")
        let change = changes[0]
        let details = try #require(change["details"] as? [String: Any])
        #expect((details["previous"] as? [String: Any])?["fingerprint"] as? String == certA.fingerprint)
        #expect((details["current"] as? [String: Any])?["fingerprint"] as? String == certB.fingerprint)
        #expect(change["port"] as? Int == Int(tlsPort))

        // Rescan after closing a listener.
        dropLater.close()
        let third = try Self.scan(client, target: target)
        let closedAlerts = try Self.alerts(client, "type=closed_port")
        #expect(closedAlerts.count == 1 && closedAlerts.first?["port"] as? Int == Int(dropLater.port), "\(closedAlerts)")
        #expect(closedAlerts.first?["scan_id"] as? Int == Int(third))

        // Progress: three scans completed today; then acknowledge -> resolve the tls_change alert.
        let before = try client.get("/score")
        let xpBefore = try #require(before.number("xp"))
        let tlsCategory = (before["categories"] as? [[String: Any]])?.first { $0["key"] as? String == "tls" }
        #expect((tlsCategory?["details"] as? [String])?.contains("-10: certificate on 127.0.0.1:\(tlsPort) is self-signed") == true)
        let streak = try client.get("/streak")
        #expect(streak.number("current") == 1 && streak["at_risk"] as? Bool == false)
        #expect(streak["last_scan_on"] as? String == UTCDay(Date()).description)
        let alertID = try #require((change["id"] as? NSNumber)?.int64Value)
        #expect(try client.post("/alerts/\(alertID)/acknowledge")["status"] as? String == "acknowledged")
        let resolved = try client.post("/alerts/\(alertID)/resolve")
        #expect(resolved.status == 200 && resolved["status"] as? String == "resolved")
        #expect(try client.post("/alerts/\(alertID)/acknowledge").status == 409)
        let after = try client.get("/score")
        // A medium alert resolved: 20 XP, plus first_alert_resolved 25.
        #expect(try #require(after.number("xp")) == xpBefore + 45, "\(before) -> \(after)")
        let achievements = try client.get("/achievements").items
        let earned = Set(achievements.filter { $0["earned"] as? Bool == true }.compactMap { $0["key"] as? String })
        #expect(earned.isSuperset(of: ["first_target", "first_scan", "first_alert_resolved", "upgraded_plan"]), "\(earned)")
        let db = try TestStack.appDatabase()
        let scanXP = try db.queryOne("SELECT COUNT(*) AS n FROM xp_events WHERE user_id = ? AND event_key LIKE 'scan_completed:%'",
                                     [.int(account.id)])?.int("n")
        #expect(scanXP == 3)
    }
}
