// Alerts, score, XP, streak and achievements through nginx. Accounts are inserted by SQL with
// minted tokens; scans and alerts are seeded by SQL the way the runner writes them.
import Foundation
import MariaDB
import SkannrCore
import Testing
import TestSupport

@Suite("Alerts and progress end to end", .needsStack)
struct AlertsTests {
    /// Inserts an alert as the runner would; `ago` seconds before now.
    @discardableResult
    static func alert(_ db: Connection, account: TestAccount, target: Int64, scan: Int64, type: String = "new_port",
                      severity: String = "high", port: Int, ago: TimeInterval = 0) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
            VALUES (?, ?, ?, ?, ?, '10.60.0.1', ?, ?, '{"previous": null, "port": 7}', 'open', ?, ?)
            """, [.int(account.id), .int(target), .int(scan), .text(type), .text(severity), .int(Int64(port)),
                  .text("New open port \(port)"), .text("\(type):\(scan):\(port)"), .date(Date().addingTimeInterval(-ago))]).lastInsertID)
    }

    static func category(_ score: APIResponse, _ key: String) -> [String: Any]? {
        (score["categories"] as? [[String: Any]])?.first { $0["key"] as? String == key }
    }

    @Test("lists filter and page; invalid filters are 400; another account sees nothing")
    func listing() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let db = try TestStack.appDatabase()
        let target = try account.target("10.60.0.1", using: client)
        let otherTarget = try account.target("10.60.0.2", using: client)
        let scan = try Seed.scan(db, account: account.id, target: target)
        let otherScan = try Seed.scan(db, account: account.id, target: otherTarget)
        var ids: [Int64] = []
        for (i, (type, severity)) in [("new_port", "critical"), ("closed_port", "low"), ("tls_change", "medium"),
                                      ("tls_expiring", "high"), ("new_port", "info")].enumerated() {
            ids.append(try Self.alert(db, account: account, target: target, scan: scan, type: type, severity: severity, port: 100 + i))
        }
        let other = try Self.alert(db, account: account, target: otherTarget, scan: otherScan, severity: "critical", port: 9)

        let all = try client.get("/alerts")
        #expect(all.status == 200)
        #expect(all.items.compactMap { ($0["id"] as? NSNumber)?.int64Value } == [other] + ids.reversed())
        let first = try #require(all.items.last)
        #expect(Set(first.keys) == ["id", "target_id", "scan_id", "type", "severity", "host", "port", "title", "details", "status",
                                    "created_at", "acknowledged_at", "resolved_at", "accepted_at", "note"])
        #expect(first["status"] as? String == "open" && first["acknowledged_at"] is NSNull)
        #expect((first["details"] as? [String: Any])?["port"] as? Int == 7)
        #expect((first["created_at"] as? String)?.hasSuffix("Z") == true)

        var walked: [Int64] = []
        var path = "/alerts?limit=2"
        for _ in 0..<10 {
            let page = try client.get(path)
            #expect(page.status == 200 && page.items.count <= 2)
            walked += page.items.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            guard let cursor = page["next_cursor"] as? String else { break }
            path = "/alerts?limit=2&cursor=\(cursor)"
        }
        #expect(walked == [other] + ids.reversed())

        func idsOf(_ query: String) throws -> [Int64] {
            let r = try client.get("/alerts?\(query)")
            #expect(r.status == 200, "\(r)")
            return r.items.compactMap { ($0["id"] as? NSNumber)?.int64Value }
        }
        #expect(try idsOf("severity=critical") == [other, ids[0]])
        #expect(try idsOf("type=new_port") == [other, ids[4], ids[0]])
        #expect(try idsOf("type=new_port&target_id=\(target)") == [ids[4], ids[0]])
        #expect(try idsOf("target_id=\(otherTarget)") == [other])
        #expect(try idsOf("status=resolved").isEmpty)
        #expect(try idsOf("status=open&severity=high") == [ids[3]])

        for bad in ["status=closed", "type=port", "severity=urgent", "target_id=abc", "target_id=0", "limit=0", "cursor=%21%21"] {
            let r = try client.get("/alerts?\(bad)")
            #expect(r.status == 400 && r.code == "validation_failed", "\(bad): \(r)")
        }

        let stranger = try TestAccount.make(plan: "free").client()
        #expect(try stranger.get("/alerts").items.isEmpty)
        #expect(try stranger.get("/alerts?target_id=\(target)").items.isEmpty)
        for id in [ids[0], other] {
            #expect(try stranger.post("/alerts/\(id)/acknowledge").status == 404)
            #expect(try stranger.post("/alerts/\(id)/resolve").status == 404)
        }
        #expect(try stranger.post("/alerts/999999999/resolve").status == 404)
        #expect(try client.get("/alerts?status=open").items.count == 6)
    }

    @Test("acknowledge -> resolve moves the response score and XP as documented; 409 on acknowledging a resolved alert")
    func lifecycle() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let db = try TestStack.appDatabase()
        let target = try account.target("10.61.0.1", using: client)

        let start = try client.get("/score")
        #expect(start.status == 200)
        // first_target 50 + achievements first_target 25 and upgraded_plan 50 (a business account)
        #expect(start.int("xp") == 125)
        #expect(start.int("level") == 2 && start.int("xp_for_next_level") == 300)

        let scan = try Seed.scan(db, account: account.id, target: target)
        try Seed.port(db, scan: scan, "10.61.0.1", 22)
        try Seed.port(db, scan: scan, "10.61.0.1", 3389)
        let id = try Self.alert(db, account: account, target: target, scan: scan, severity: "critical", port: 3389, ago: 30 * 3600)

        // exposure 82 (RDP -15, SSH -3), response 80 (critical unhandled > 24 h), coverage 80 (MFA off) -> 84.8 -> 85
        let before = try client.get("/score")
        #expect(before.int("score") == 85 && before["grade"] as? String == "B", "\(before)")
        #expect(Self.category(before, "response")?["score"] as? Int == 80)
        #expect(Self.category(before, "exposure")?["details"] as? [String] == ["-3: 22/tcp (SSH) open on 10.61.0.1",
                                                                                  "-15: 3389/tcp (RDP) open on 10.61.0.1"])
        #expect(Self.category(before, "coverage")?["details"] as? [String] == ["-20: two-factor authentication (MFA) is off"])

        let acked = try client.post("/alerts/\(id)/acknowledge")
        #expect(acked.status == 200 && acked["status"] as? String == "acknowledged")
        let ackedAt = try #require(acked["acknowledged_at"] as? String)
        let again = try client.post("/alerts/\(id)/acknowledge")
        #expect(again.status == 200 && again["acknowledged_at"] as? String == ackedAt)
        let mid = try client.get("/score")
        #expect(Self.category(mid, "response")?["score"] as? Int == 90 && mid.int("score") == 87)
        #expect(mid.int("xp") == 125)

        let resolved = try client.post("/alerts/\(id)/resolve")
        #expect(resolved.status == 200 && resolved["status"] as? String == "resolved", "\(resolved)")
        #expect(resolved["acknowledged_at"] as? String == ackedAt)
        let resolvedAt = try #require(resolved["resolved_at"] as? String)
        let repeatResolve = try client.post("/alerts/\(id)/resolve")
        #expect(repeatResolve.status == 200 && repeatResolve["resolved_at"] as? String == resolvedAt)
        let conflict = try client.post("/alerts/\(id)/acknowledge")
        #expect(conflict.status == 409 && conflict.code == "conflict")

        // resolved after 30 h: 20 XP (no fast bonus) + first_alert_resolved 25 + first_scan 25 -> 195, still level 2
        let after = try client.get("/score")
        #expect(Self.category(after, "response")?["score"] as? Int == 100 && after.int("score") == 89)
        #expect(after.int("xp") == 195 && after.int("level") == 2 && after.int("xp_for_next_level") == 300, "\(after)")
        #expect(try client.post("/alerts/\(id)/resolve").status == 200)
        #expect(try client.get("/score").int("xp") == 195)

        let achievements = try client.get("/achievements")
        #expect(achievements.status == 200 && achievements.items.count == Achievements.catalogue.count)
        let earned = Dictionary(uniqueKeysWithValues: achievements.items.map { ($0["key"] as? String ?? "", $0) })
        for key in ["first_target", "first_alert_resolved", "first_scan"] {
            #expect(earned[key]?["earned"] as? Bool == true && earned[key]?["earned_at"] is String, "\(key)")
        }
        #expect(earned["quick_responder"]?["earned"] as? Bool == false && earned["quick_responder"]?["earned_at"] is NSNull)
        #expect(Set(try #require(achievements.items.first).keys) == ["key", "name", "description", "xp", "earned", "earned_at"])

        let streak = try client.get("/streak")
        #expect(streak.status == 200)
        #expect(streak.int("current") == 1 && streak.int("best") == 1 && streak["period"] as? String == "day")
        #expect(streak["last_scan_on"] as? String == UTCDay(Date()).description && streak["at_risk"] as? Bool == false)

        let stranger = try TestAccount.make(plan: "free").client()
        let empty = try stranger.get("/score")
        #expect(empty.int("score") == 80 && empty.int("xp") == 0 && empty["grade"] as? String == "B")
        let none = try stranger.get("/streak")
        #expect(none.int("current") == 0 && none["last_scan_on"] is NSNull)
        #expect(try stranger.get("/achievements").items.allSatisfy { $0["earned"] as? Bool == false })
    }
}
