// /targets through nginx: the contract's shape, validation with fields, policy, plan limits read
// from the users table, duplicates, PATCH rules and scheduling, isolation between accounts, cascade.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Targets API through nginx", .needsStack)
struct TargetsTests {
    @Test("a created target has every contract field, a derived type and a normalised address")
    func createShape() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let response = try client.post("/targets", ["address": "  10.20.0.1 ", "label": "  web  "])
        #expect(response.status == 201, "\(response)")
        let keys: Set<String> = ["id", "address", "type", "label", "scan_profile", "ports", "interval_minutes", "enabled",
                                 "created_at", "updated_at", "last_scan_id", "last_scan_at", "next_scan_at", "expected_ports"]
        #expect(Set(response.json.keys) == keys)
        #expect(response["address"] as? String == "10.20.0.1")
        #expect(response["type"] as? String == "ip")
        #expect(response["label"] as? String == "web")
        #expect(response["scan_profile"] as? String == "standard")
        #expect(response["ports"] is NSNull)
        #expect(response["interval_minutes"] is NSNull)
        #expect(response["next_scan_at"] is NSNull)
        #expect(response["enabled"] as? Bool == true)
        #expect((response["created_at"] as? String)?.hasSuffix("Z") == true)

        let v6 = try client.post("/targets", ["address": "FD00:0:0:0::1"])
        #expect(v6["address"] as? String == "fd00::1")
        let cidr = try client.post("/targets", ["address": "10.30.0.0/28", "scan_profile": "custom", "ports": "443, 80-81,22"])
        #expect(cidr["type"] as? String == "cidr")
        #expect(cidr["ports"] as? String == "22,80-81,443")
        let domain = try client.post("/targets", ["address": "Scan.Example.ORG"])
        #expect(domain["type"] as? String == "domain")
        #expect(domain["address"] as? String == "scan.example.org")

        let fetched = try client.get("/targets/\(try #require(response.int("id")))")
        #expect(fetched.status == 200)
        #expect(fetched["address"] as? String == "10.20.0.1")
    }

    @Test("validation errors are 400 validation_failed naming every bad field")
    func validationFields() throws {
        let client = try TestAccount.make(plan: "business").client()
        let cases: [([String: Any], String)] = [
            (["address": "256.1.1.1"], "address"),
            (["address": "a..b"], "address"),
            (["address": String(repeating: "a", count: 250) + ".com"], "address"),
            (["address": "10.0.0.1/24"], "address"),
            ([:], "address"),
            (["address": "10.1.0.1", "scan_profile": "huge"], "scan_profile"),
            (["address": "10.1.0.1", "scan_profile": "custom"], "ports"),
            (["address": "10.1.0.1", "scan_profile": "custom", "ports": "80-22"], "ports"),
            (["address": "10.1.0.1", "scan_profile": "custom", "ports": "1-65536"], "ports"),
            (["address": "10.1.0.1", "scan_profile": "custom", "ports": "80,80"], "ports"),
            (["address": "10.1.0.1", "ports": "80"], "ports"),
            (["address": "10.1.0.1", "interval_minutes": 14], "interval_minutes"),
            (["address": "10.1.0.1", "interval_minutes": 525_601], "interval_minutes"),
            (["address": "10.1.0.1", "interval_minutes": "60"], "interval_minutes"),
            (["address": "10.1.0.1", "interval_minutes": 60.5], "interval_minutes"),
            (["address": "10.1.0.1", "label": "bad\u{7}label"], "label"),
            (["address": "10.1.0.1", "label": String(repeating: "x", count: 201)], "label"),
            (["address": "10.1.0.1", "enabled": "yes"], "enabled"),
        ]
        for (body, field) in cases {
            let response = try client.post("/targets", body)
            #expect(response.status == 400, "\(body): \(response)")
            #expect(response.code == "validation_failed", "\(body)")
            #expect(response.fields[field] != nil, "\(body) should name \(field): \(response)")
        }
        let several = try client.post("/targets", ["address": "x..y", "scan_profile": "nope", "interval_minutes": 1])
        #expect(Set(several.fields.keys) == ["address", "scan_profile", "interval_minutes"])
        let list = try client.get("/targets")
        #expect(list.items.isEmpty, "nothing was stored")
    }

    @Test("addresses the server never scans are 400 target_not_allowed")
    func notAllowed() throws {
        let client = try TestAccount.make(plan: "business").client()
        for address in ["224.0.0.1", "0.0.0.0", "255.255.255.255", "ff02::1", "::"] {
            let response = try client.post("/targets", ["address": address])
            #expect(response.status == 400, "\(address): \(response)")
            #expect(response.code == "target_not_allowed", "\(address)")
        }
    }

    @Test("the free plan's limits are 403 plan_limit naming the limit, read from the users table")
    func freePlanLimits() throws {
        let account = try TestAccount.make(plan: "free")
        let client = try account.client()
        let cidr = try client.post("/targets", ["address": "10.40.0.0/27"])
        #expect(cidr.status == 403)
        #expect(cidr.code == "plan_limit")
        #expect((cidr["message"] as? String)?.contains("16 addresses") == true, "\(cidr)")
        let full = try client.post("/targets", ["address": "10.40.1.1", "scan_profile": "full"])
        #expect(full.status == 403)
        #expect((full["message"] as? String)?.contains("scan profiles") == true)
        let interval = try client.post("/targets", ["address": "10.40.1.1", "interval_minutes": 60])
        #expect(interval.status == 403)
        #expect((interval["message"] as? String)?.contains("1440 minutes") == true)
        let ports = try client.post("/targets", ["address": "10.40.1.1", "scan_profile": "custom", "ports": "1-1001"])
        #expect(ports.status == 403)
        #expect((ports["message"] as? String)?.contains("1000 ports") == true)

        _ = try account.target("10.40.0.0/28", using: client)
        _ = try account.target("10.40.1.1", ["interval_minutes": 1440], using: client)
        let third = try account.target("10.40.1.2", using: client)
        let fourth = try client.post("/targets", ["address": "10.40.1.3"])
        #expect(fourth.status == 403)
        #expect(fourth.code == "plan_limit")
        #expect((fourth["message"] as? String)?.contains("3 targets") == true)

        let patch = try client.patch("/targets/\(third)", ["scan_profile": "full"])
        #expect(patch.status == 403, "plan limits apply to updates too")
        #expect(patch.code == "plan_limit")
        #expect((patch.json["message"] as? String)?.contains("scan profiles") == true)
        let patchInterval = try client.patch("/targets/\(third)", ["interval_minutes": 60])
        #expect(patchInterval.status == 403)
        #expect(patchInterval.code == "plan_limit")
        #expect((patchInterval.json["message"] as? String)?.contains("at most every") == true)

        // The plan comes from the users row, not the token: an upgrade applies at once.
        let db = try TestStack.appDatabase()
        try db.execute("UPDATE users SET plan = 'pro' WHERE id = ?", [.int(account.id)])
        #expect(try client.post("/targets", ["address": "10.40.1.3"]).status == 201)
        #expect(try client.patch("/targets/\(third)", ["scan_profile": "full", "interval_minutes": 60]).status == 200)
    }

    @Test("concurrent creates cannot exceed the target count")
    func concurrentCreates() throws {
        let account = try TestAccount.make(plan: "free")
        let statuses = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let status = (try? account.client().post("/targets", ["address": "10.41.0.\(index + 1)"]).status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        let all = statuses.withLock { $0 }
        #expect(all.filter { $0 == 201 }.count == 3, "\(all)")
        #expect(all.filter { $0 == 403 }.count == 5, "\(all)")
    }

    @Test("a duplicate address (after normalisation) is 409 conflict; other accounts may have it")
    func duplicate() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        _ = try account.target("fd00::10", using: client)
        let again = try client.post("/targets", ["address": "FD00:0::10"])
        #expect(again.status == 409)
        #expect(again.code == "conflict")
        let other = try TestAccount.make(plan: "business")
        #expect(try other.client().post("/targets", ["address": "fd00::10"]).status == 201)
    }

    @Test("PATCH cannot change the address and keeps the scheduling rules")
    func patchRules() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let id = try account.target("10.42.0.1", using: client)
        let address = try client.patch("/targets/\(id)", ["address": "10.42.0.2"])
        #expect(address.status == 400)
        #expect(address.code == "validation_failed")
        #expect(address.fields["address"]?.contains("cannot be changed") == true)

        let scheduled = try client.patch("/targets/\(id)", ["interval_minutes": 60, "label": "db"])
        #expect(scheduled.status == 200, "\(scheduled)")
        #expect(scheduled["interval_minutes"] as? Int == 60)
        #expect(scheduled["label"] as? String == "db")
        let next = try #require(scheduled["next_scan_at"] as? String).iso8601Date
        #expect(abs((next ?? .distantPast).timeIntervalSinceNow - 3600) < 120)

        let disabled = try client.patch("/targets/\(id)", ["enabled": false])
        #expect(disabled["enabled"] as? Bool == false)
        #expect(disabled["next_scan_at"] is NSNull, "disabling clears next_scan_at")
        let enabled = try client.patch("/targets/\(id)", ["enabled": true])
        #expect(enabled["next_scan_at"] is String, "enabling sets it again")
        let onDemand = try client.patch("/targets/\(id)", ["interval_minutes": NSNull(), "label": NSNull()])
        #expect(onDemand["next_scan_at"] is NSNull)
        #expect(onDemand["label"] is NSNull)

        let custom = try client.patch("/targets/\(id)", ["scan_profile": "custom"])
        #expect(custom.status == 400)
        #expect(custom.fields["ports"] != nil)
        let withPorts = try client.patch("/targets/\(id)", ["scan_profile": "custom", "ports": "8080,22"])
        #expect(withPorts["ports"] as? String == "22,8080")
        let back = try client.patch("/targets/\(id)", ["scan_profile": "quick"])
        #expect(back["ports"] is NSNull, "leaving custom clears the port list")
        #expect(try client.patch("/targets/\(id)", ["enabled": NSNull()]).status == 400)
    }

    @Test("lists are newest first with keyset cursors; bad limit or cursor is 400")
    func targetList() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        var ids: [Int64] = []
        for index in 1...5 { ids.append(try account.target("10.43.0.\(index)", using: client)) }
        let first = try client.get("/targets?limit=2&unknown=1")
        #expect(first.items.compactMap { ($0["id"] as? NSNumber)?.int64Value } == [ids[4], ids[3]])
        let cursor = try #require(first["next_cursor"] as? String)
        let second = try client.get("/targets?limit=2&cursor=\(cursor)")
        #expect(second.items.compactMap { ($0["id"] as? NSNumber)?.int64Value } == [ids[2], ids[1]])
        let last = try client.get("/targets?limit=2&cursor=\(try #require(second["next_cursor"] as? String))")
        #expect(last.items.count == 1)
        #expect(last["next_cursor"] is NSNull)
        for query in ["limit=0", "limit=201", "limit=abc", "limit=-1", "cursor=%21%21", "cursor=abc"] {
            let response = try client.get("/targets?\(query)")
            #expect(response.status == 400, "\(query): \(response)")
        }
        // An empty cursor is the first page (issue 19: the OpenAPI file allows it, generated clients send it).
        #expect(try client.get("/targets?limit=2&cursor=").items.compactMap { ($0["id"] as? NSNumber)?.int64Value } == [ids[4], ids[3]])
    }

    @Test("deleting a target removes its scans, hosts, ports, certificates and alerts")
    func cascadeDelete() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let id = try account.target("10.44.0.0/30", using: client)
        let keep = try account.target("10.44.1.1", using: client)
        let db = try TestStack.appDatabase()
        var scans: [Int64] = []
        for target in [id, keep] {
            let scan = try Seed.scan(db, account: account.id, target: target)
            try Seed.host(db, scan: scan, "10.44.0.1", open: 1, closed: 0, filtered: 0)
            try Seed.tls(db, scan: scan, portResult: try Seed.port(db, scan: scan, "10.44.0.1", 443))
            try db.execute("""
                INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, dedupe_key, created_at)
                VALUES (?, ?, ?, 'new_port', 'high', '10.44.0.1', 443, 'New open port 443', '{}', ?, ?)
                """, [.int(account.id), .int(target), .int(scan), .text("new:\(scan)"), .date(Date())])
            scans.append(scan)
        }
        let running = try Seed.scan(db, account: account.id, target: id, status: "running")
        #expect(try client.delete("/targets/\(id)").status == 204)
        #expect(try client.get("/targets/\(id)").status == 404)
        #expect(try client.delete("/targets/\(id)").status == 404)
        let gone: [SQLValue] = [.int(scans[0]), .int(running)]
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM scans WHERE target_id = ?", [.int(id)]) == 0)
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM scan_hosts WHERE scan_id IN (?, ?)", gone) == 0)
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM port_results WHERE scan_id IN (?, ?)", gone) == 0)
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM tls_certificates WHERE scan_id IN (?, ?)", gone) == 0)
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM alerts WHERE target_id = ?", [.int(id)]) == 0)
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM port_results WHERE scan_id = ?", [.int(scans[1])]) == 1,
                "the other target's results stay")
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM alerts WHERE target_id = ?", [.int(keep)]) == 1)
    }
}

extension String {
    var iso8601Date: Date? { ISO8601DateFormatter().date(from: self) }
}

/// A tiny lock for collecting results from concurrent test threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
