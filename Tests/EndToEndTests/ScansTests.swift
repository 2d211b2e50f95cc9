// /scans through nginx: on-demand scans under concurrency, snapshots, trigger-all, cancel,
// keyset pagination over 250 scans, results and summary ordering, and account isolation.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Scans API through nginx", .needsStack)
struct ScansTests {
    @Test("20 parallel scan requests for one target give exactly one 202 and 19 scan_in_progress")
    func parallelScans() throws {
        let account = try TestAccount.make(plan: "business")
        let target = try account.target("10.50.0.1")
        let results = Locked<[(Int, String?)]>([])
        let threads = (0..<20).map { _ in
            Thread {
                let response = try? account.client().post("/targets/\(target)/scan")
                results.withLock { $0.append((response?.status ?? -1, response?.code)) }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(60)
        while results.withLock({ $0.count }) < 20, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let all = results.withLock { $0 }
        #expect(all.count == 20)
        #expect(all.filter { $0.0 == 202 }.count == 1, "\(all)")
        #expect(all.filter { $0.0 == 409 && $0.1 == "scan_in_progress" }.count == 19, "\(all)")
        let db = try TestStack.appDatabase()
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM scans WHERE target_id = ?", [.int(target)]) == 1)
    }

    @Test("a scan has the contract's shape and snapshots the target's profile and ports")
    func scanShapeAndSnapshot() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let target = try account.target("10.51.0.0/30", ["scan_profile": "custom", "ports": "22,80-82", "enabled": false], using: client)
        let scan = try client.post("/targets/\(target)/scan")
        #expect(scan.status == 202, "a disabled target can still be scanned on demand: \(scan)")
        let keys: Set<String> = ["id", "target_id", "status", "trigger", "scan_profile", "progress", "hosts_total", "hosts_done",
                                 "ports_per_host", "open_ports", "created_at", "started_at", "finished_at", "error", "limits_hit", "results_pruned_at"]
        #expect(Set(scan.json.keys) == keys)
        #expect(scan["limits_hit"] as? [String] == [])
        #expect(scan["results_pruned_at"] is NSNull, "a new scan's results are kept")
        #expect(scan["status"] as? String == "pending")
        #expect(scan["trigger"] as? String == "manual")
        #expect(scan["scan_profile"] as? String == "custom")
        #expect(scan.int("hosts_total") == 4)
        #expect(scan.int("ports_per_host") == 4)
        #expect((scan["progress"] as? NSNumber)?.doubleValue == 0)
        #expect(scan["finished_at"] is NSNull)
        #expect(scan["error"] is NSNull)
        let id = try #require(scan.int("id"))
        #expect(try client.patch("/targets/\(target)", ["scan_profile": "quick"]).status == 200)
        let again = try client.get("/scans/\(id)")
        #expect(again["scan_profile"] as? String == "custom", "editing the target does not change the scan")
        let db = try TestStack.appDatabase()
        #expect(try db.queryOne("SELECT ports FROM scans WHERE id = ?", [.int(id)])?.string("ports") == "22,80-82")

        let domain = try account.target("scan.example.org", ["scan_profile": "quick"], using: client)
        let domainScan = try client.post("/targets/\(domain)/scan")
        #expect(domainScan.int("hosts_total") == 0, "a domain's hosts are known once resolved")
        #expect(domainScan.int("ports_per_host") == 100)
    }

    @Test("cancel: pending at once, running flags the runner, finished is 409")
    func cancel() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let target = try account.target("10.52.0.1", using: client)
        let pending = try #require(try client.post("/targets/\(target)/scan").int("id"))
        let cancelled = try client.post("/scans/\(pending)/cancel")
        #expect(cancelled.status == 200)
        #expect(cancelled["status"] as? String == "cancelled")
        #expect(cancelled["finished_at"] is String)
        #expect(try client.post("/scans/\(pending)/cancel").status == 409)

        let db = try TestStack.appDatabase()
        let running = try #require(try client.post("/targets/\(target)/scan").int("id"), "a cancelled scan frees the target")
        try db.execute("UPDATE scans SET status = 'running', started_at = ?, lease_owner = 'runner-1' WHERE id = ?", [.date(Date()), .int(running)])
        let stopped = try client.post("/scans/\(running)/cancel")
        #expect(stopped["status"] as? String == "cancelled")
        #expect(try db.queryOne("SELECT status FROM scans WHERE id = ?", [.int(running)])?.string("status") == "cancelled")

        let completed = try Seed.scan(db, account: account.id, target: target)
        let finished = try client.post("/scans/\(completed)/cancel")
        #expect(finished.status == 409)
        #expect(finished.code == "conflict")
        #expect(try client.post("/scans/999999999/cancel").status == 404)
    }

    @Test("trigger-all scans every enabled idle target in one go and lists the others as skipped")
    func triggerAll() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let idle = try account.target("10.53.0.1", using: client)
        let busy = try account.target("10.53.0.2", using: client)
        let disabled = try account.target("10.53.0.3", ["enabled": false], using: client)
        let idle2 = try account.target("10.53.0.4", using: client)
        let busyScan = try #require(try client.post("/targets/\(busy)/scan").int("id"))
        let response = try client.post("/scans/trigger-all")
        #expect(response.status == 202, "\(response)")
        let created = response.items
        #expect(Set(created.compactMap { ($0["target_id"] as? NSNumber)?.int64Value }) == [idle, idle2])
        #expect(created.allSatisfy { $0["trigger"] as? String == "bulk" && $0["status"] as? String == "pending" })
        let skipped = response["skipped"] as? [[String: Any]] ?? []
        let reasons = Dictionary(uniqueKeysWithValues: skipped.compactMap { item -> (Int64, String)? in
            guard let id = (item["target_id"] as? NSNumber)?.int64Value, let reason = item["reason"] as? String else { return nil }
            return (id, reason)
        })
        #expect(reasons == [busy: "scan_in_progress", disabled: "disabled"])
        let again = try client.post("/scans/trigger-all")
        #expect(again.items.isEmpty, "every enabled target is busy now")
        let db = try TestStack.appDatabase()
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM scans WHERE user_id = ?", [.int(account.id)]) == 3)
        #expect(try client.get("/scans/\(busyScan)")["trigger"] as? String == "manual")
    }

    @Test("trigger-all racing manual scans leaves at most one active scan per target and no errors")
    func triggerAllRace() throws {
        let account = try TestAccount.make(plan: "business")
        let targets = try (1...6).map { try account.target("10.57.0.\($0)") }
        let statuses = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 12) { index in
            let client = try? account.client()
            let response = index % 3 == 0
                ? try? client?.post("/scans/trigger-all")
                : try? client?.post("/targets/\(targets[index % targets.count])/scan")
            statuses.withLock { $0.append(response?.status ?? -1) }
        }
        let all = statuses.withLock { $0 }
        #expect(all.allSatisfy { $0 == 202 || $0 == 409 }, "\(all)")
        let db = try TestStack.appDatabase()
        #expect(try Seed.count(db, """
            SELECT COUNT(*) AS n FROM scans WHERE user_id = ? AND status IN ('pending', 'running')
            """, [.int(account.id)]) == 6, "every target got exactly one active scan")
    }

    @Test("250 scans page by 100: distinct, newest first, no gaps, stable while new scans arrive")
    func pagination() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let target = try account.target("10.54.0.1", using: client)
        let other = try account.target("10.54.0.2", using: client)
        let db = try TestStack.appDatabase()
        var inserted: [Int64] = []
        try db.transaction { db in
            for index in 0..<250 {
                inserted.append(try Seed.scan(db, account: account.id, target: index % 5 == 0 ? other : target,
                                              status: index % 7 == 0 ? "failed" : "completed"))
            }
        }
        var seen: [Int64] = []
        var cursor: String?
        var pages = 0
        repeat {
            let response = try client.get("/scans?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(response.status == 200)
            seen += response.items.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            cursor = response["next_cursor"] as? String
            pages += 1
            if pages == 1 { try Seed.scan(db, account: account.id, target: target) }  // arrives between pages
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(seen == inserted.sorted(by: >), "exactly the 250 scans, newest first, none twice")

        let filtered = try client.get("/scans?target_id=\(other)&status=completed&limit=200")
        let expected = inserted.enumerated().filter { $0.offset % 5 == 0 && $0.offset % 7 != 0 }.map(\.element).sorted(by: >)
        #expect(filtered.items.compactMap { ($0["id"] as? NSNumber)?.int64Value } == expected)
        #expect(try client.get("/scans?status=done").status == 400)
        #expect(try client.get("/scans?target_id=x").status == 400)
        #expect(try client.get("/scans?limit=500").status == 400)
    }

    @Test("results and summary are ordered by host then port, paged, with TLS facts")
    func resultsAndSummary() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let target = try account.target("10.0.0.0/28", using: client)
        let db = try TestStack.appDatabase()
        let scan = try Seed.scan(db, account: account.id, target: target)
        try Seed.host(db, scan: scan, "10.0.0.10", open: 2, closed: 990, filtered: 8)
        try Seed.host(db, scan: scan, "10.0.0.2", open: 2, closed: 998, filtered: 0)
        try Seed.host(db, scan: scan, "10.0.0.3", state: "down", open: 0, closed: 0, filtered: 1000)
        try Seed.port(db, scan: scan, "10.0.0.10", 22, service: "ssh")
        try Seed.tls(db, scan: scan, portResult: try Seed.port(db, scan: scan, "10.0.0.10", 443, service: "https"))
        try Seed.port(db, scan: scan, "10.0.0.2", 8080)
        try Seed.port(db, scan: scan, "10.0.0.2", 80, service: "http")

        var rows: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let response = try client.get("/scans/\(scan)/results?state=open&limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(response.status == 200, "\(response)")
            #expect(response.int("scan_id") == scan)
            rows += response.items.map { "\($0["host"] as? String ?? "?"):\(($0["port"] as? NSNumber)?.intValue ?? 0)" }
            cursor = response["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 5
        #expect(rows == ["10.0.0.2:80", "10.0.0.2:8080", "10.0.0.10:22", "10.0.0.10:443"])
        let all = try client.get("/scans/\(scan)/results")
        let https = try #require(all.items.last)
        #expect(https["protocol"] as? String == "tcp")
        #expect(https["state"] as? String == "open")
        #expect(https["service"] as? String == "https")
        let tls = try #require(https["tls"] as? [String: Any])
        #expect(tls["san"] as? [String] == ["example.test", "www.example.test"])
        #expect(tls["version"] as? String == "TLSv1.3")
        #expect(tls["not_after"] as? String == "2027-01-01T00:00:00Z")
        #expect(tls["self_signed"] as? Bool == false)
        #expect(tls["fingerprint_sha256"] as? String == String(repeating: "ab", count: 32))
        #expect(all.items.first?["tls"] is NSNull)
        #expect(all.items.first?["service"] as? String == "http")

        let owner = try client.get("/targets/\(target)")
        #expect(owner.int("last_scan_id") == scan, "last_scan_id is the newest completed scan")
        #expect(owner["last_scan_at"] is String)

        let closed = try client.get("/scans/\(scan)/results?state=closed")
        #expect(closed.status == 400)
        #expect(closed.fields["state"]?.contains("summary") == true)
        #expect(try client.get("/scans/\(scan)/results?cursor=bogus").status == 400)

        let summary = try client.get("/scans/\(scan)/summary")
        #expect(summary.status == 200, "\(summary)")
        #expect(summary["status"] as? String == "completed")
        let hosts = summary["hosts"] as? [[String: Any]] ?? []
        #expect(hosts.compactMap { $0["host"] as? String } == ["10.0.0.2", "10.0.0.3", "10.0.0.10"])
        #expect(hosts.first?["open_ports"] as? [Int] == [80, 8080])
        #expect(hosts.last?["open_ports"] as? [Int] == [22, 443])
        #expect(hosts[1]["state"] as? String == "down")
        #expect(hosts[1]["open_ports"] as? [Int] == [])
        #expect(hosts.last?["closed"] as? Int == 990)
        #expect(hosts.first?["hostname"] is NSNull)
        #expect(hosts.allSatisfy { $0["accepts_all"] as? Bool == false && $0["notes"] as? [String] == [] })
        let totals = summary["totals"] as? [String: Int] ?? [:]
        #expect(totals == ["hosts": 3, "hosts_up": 2, "open": 4, "filtered": 1008, "closed": 1988])
    }

    @Test("results and summary are 409 scan_not_completed before completion")
    func notCompleted() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let target = try account.target("10.55.0.1", using: client)
        let scan = try #require(try client.post("/targets/\(target)/scan").int("id"))
        for path in ["/scans/\(scan)/results", "/scans/\(scan)/summary"] {
            let response = try client.get(path)
            #expect(response.status == 409)
            #expect(response.code == "scan_not_completed")
        }
    }

    @Test("every endpoint answers 404 for another account's ids and lists never show them")
    func isolation() throws {
        let owner = try TestAccount.make(plan: "business")
        let ownerClient = try owner.client()
        let target = try owner.target("10.56.0.1", using: ownerClient)
        let db = try TestStack.appDatabase()
        let completed = try Seed.scan(db, account: owner.id, target: target)
        let pending = try #require(try ownerClient.post("/targets/\(target)/scan").int("id"))

        let intruder = try TestAccount.make(plan: "business")
        let client = try intruder.client()
        let attempts: [(String, String, Any?)] = [
            ("GET", "/targets/\(target)", nil), ("PATCH", "/targets/\(target)", ["label": "x"]),
            ("DELETE", "/targets/\(target)", nil), ("POST", "/targets/\(target)/scan", [String: Any]()),
            ("GET", "/scans/\(completed)", nil), ("GET", "/scans/\(completed)/results", nil),
            ("GET", "/scans/\(completed)/summary", nil), ("POST", "/scans/\(pending)/cancel", [String: Any]()),
        ]
        for (method, path, body) in attempts {
            let response = try client.call(method, path, json: body)
            #expect(response.status == 404, "\(method) \(path): \(response)")
            #expect(response.code == "not_found")
        }
        #expect(try client.get("/targets").items.isEmpty)
        #expect(try client.get("/scans").items.isEmpty)
        #expect(try client.get("/scans?target_id=\(target)").items.isEmpty)
        #expect(try client.post("/scans/trigger-all").items.isEmpty)
        #expect(try ownerClient.get("/scans/\(pending)")["status"] as? String == "pending", "untouched")
        #expect(try ownerClient.get("/targets/\(target)").status == 200)
        #expect(try APIClient().get("/targets").status == 401)
    }
}
