// Issue 19 through nginx: POST /alerts/:id/accept {note} (accepted, idempotent, 409 once resolved,
// 404 for another account's alert, 400 without a note), the score's exposure lists an accepted port
// marked accepted, and PATCH /targets/:id keeps expected_ports (a port list, null clears it).
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Accepted risk and expected ports (issue 19)", .needsStack)
struct AcceptedRiskTests {
    /// An account whose target's last scan has 3389 open, with an open new_port alert for it.
    static func owned() throws -> (account: TestAccount, target: Int64, alert: Int64) {
        let account = try TestAccount.make()
        let host = "10.68.\(Int.random(in: 0...255)).1"
        let target = try account.target(host)
        let db = try TestStack.appDatabase()
        let scan = try Seed.scan(db, account: account.id, target: target)
        try Seed.host(db, scan: scan, host, open: 1, closed: 0, filtered: 0)
        try Seed.port(db, scan: scan, host, 3389, service: "ms-wbt-server")
        let alert = Int64(try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
            VALUES (?, ?, ?, 'new_port', 'critical', ?, 3389, 'New open port 3389', '{}', 'open', ?, UTC_TIMESTAMP(6))
            """, [.int(account.id), .int(target), .int(scan), .text(host), .text("accept-\(UUID().uuidString)")]).lastInsertID)
        return (account, target, alert)
    }

    @Test("accepting an alert answers it accepted with the note; again is idempotent; the score marks it accepted")
    func accept() throws {
        let (account, _, alert) = try Self.owned()
        let client = try account.client()
        let before = try client.get("/score")
        let exposureBefore = (before["categories"] as? [[String: Any]])?.first { $0["key"] as? String == "exposure" }
        #expect((exposureBefore?["details"] as? [String])?.contains { $0.contains("3389/tcp") && !$0.hasPrefix("-0") } == true, "\(before)")
        let accepted = try client.post("/alerts/\(alert)/accept", ["note": "behind the VPN"])
        #expect(accepted.status == 200 && accepted["status"] as? String == "accepted", "\(accepted)")
        #expect(accepted["note"] as? String == "behind the VPN" && accepted["accepted_at"] is String)
        #expect(try client.post("/alerts/\(alert)/accept", ["note": "again"])["status"] as? String == "accepted")
        #expect(try client.get("/alerts?status=accepted").items.count == 1)
        let score = try client.get("/score")
        let exposure = (score["categories"] as? [[String: Any]])?.first { $0["key"] as? String == "exposure" }
        #expect((exposure?["details"] as? [String])?.contains { $0.hasPrefix("-0: 3389/tcp") && $0.contains("accepted") } == true, "\(score)")
    }

    @Test("a resolved alert cannot be accepted (409); a note is required (400); another account's alert is 404")
    func failures() throws {
        let (account, _, alert) = try Self.owned()
        let client = try account.client()
        #expect(try client.post("/alerts/\(alert)/accept", [String: Any]()).status == 400)
        #expect(try client.post("/alerts/\(alert)/accept", ["note": "   "]).status == 400)
        #expect(try TestAccount.make().client().post("/alerts/\(alert)/accept", ["note": "mine now"]).status == 404)
        #expect(try client.post("/alerts/\(alert)/resolve").status == 200)
        let late = try client.post("/alerts/\(alert)/accept", ["note": "too late"])
        #expect(late.status == 409 && late.code == "conflict", "\(late)")
    }

    @Test("an accepted alert cannot be acknowledged or resolved (409), and stays accepted")
    func acceptedIsNotResolved() throws {
        let (account, _, alert) = try Self.owned()
        let client = try account.client()
        #expect(try client.post("/alerts/\(alert)/accept", ["note": "known"]).status == 200)
        for action in ["acknowledge", "resolve"] {
            let answer = try client.post("/alerts/\(alert)/\(action)")
            #expect(answer.status == 409 && answer.code == "conflict", "\(action): \(answer)")
        }
        let listed = try client.get("/alerts?status=accepted")
        #expect((listed["items"] as? [[String: Any]])?.contains { ($0["id"] as? Int).map(Int64.init) == alert } == true, "\(listed)")
    }

    @Test("PATCH keeps expected_ports in canonical form, null clears it, a bad list is 400")
    func expectedPorts() throws {
        let (account, target, _) = try Self.owned()
        let client = try account.client()
        let set = try client.patch("/targets/\(target)", ["expected_ports": "443, 22,80-81"])
        #expect(set.status == 200 && set["expected_ports"] as? String == "22,80-81,443", "\(set)")
        #expect(try client.get("/targets/\(target)")["expected_ports"] as? String == "22,80-81,443")
        #expect(try client.patch("/targets/\(target)", ["expected_ports": "0-70000"]).status == 400)
        #expect(try client.patch("/targets/\(target)", ["expected_ports": NSNull()])["expected_ports"] is NSNull)
    }
}
