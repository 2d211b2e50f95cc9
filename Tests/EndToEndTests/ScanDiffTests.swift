// Issue 19, GET /scans/:id/diff through nginx over stored scans: the previous completed scan by
// default or ?against=, 409 unless both are completed scans of one target, 404 for another
// account's scan on either side, 400 for a malformed `against`.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Scan diff endpoint (issue 19)", .needsStack)
struct ScanDiffTests {
    struct Fixture {
        let account: TestAccount
        let target: Int64
        let first: Int64
        let second: Int64
    }

    /// Two completed scans of one target: 22 and 80 open, then 22 and 443.
    static func fixture() throws -> Fixture {
        let account = try TestAccount.make()
        let host = "10.64.\(Int.random(in: 0...255)).1"
        let target = try account.target(host)
        let db = try TestStack.appDatabase()
        let first = try Seed.scan(db, account: account.id, target: target, created: Date().addingTimeInterval(-60))
        try Seed.host(db, scan: first, host, open: 2, closed: 1, filtered: 0)
        try Seed.port(db, scan: first, host, 22, service: "ssh")
        try Seed.port(db, scan: first, host, 80, service: "http")
        let second = try Seed.scan(db, account: account.id, target: target)
        try Seed.host(db, scan: second, host, open: 2, closed: 1, filtered: 0)
        try Seed.port(db, scan: second, host, 22, service: "ssh")
        try Seed.port(db, scan: second, host, 443, service: "https")
        return Fixture(account: account, target: target, first: first, second: second)
    }

    @Test("the diff against the previous completed scan lists the opened and the closed port")
    func defaultAgainst() throws {
        let f = try Self.fixture()
        let diff = try f.account.client().get("/scans/\(f.second)/diff")
        #expect(diff.status == 200, "\(diff)")
        #expect(diff.int("scan_id") == f.second && diff.int("against_scan_id") == f.first)
        let opened = diff["ports_opened"] as? [[String: Any]] ?? []
        let closed = diff["ports_closed"] as? [[String: Any]] ?? []
        #expect(opened.map { $0["port"] as? Int } == [443] && opened.first?["service"] as? String == "https", "\(diff)")
        #expect(closed.map { $0["port"] as? Int } == [80], "\(diff)")
        #expect((diff["tls_changed"] as? [Any])?.isEmpty == true && (diff["hosts_added"] as? [Any])?.isEmpty == true)
        let reversed = try f.account.client().get("/scans/\(f.first)/diff?against=\(f.second)")
        #expect((reversed["ports_opened"] as? [[String: Any]])?.map { $0["port"] as? Int } == [80], "\(reversed)")
    }

    @Test("409 without an earlier completed scan, against a scan not completed, or against another target's scan")
    func conflicts() throws {
        let f = try Self.fixture()
        let client = try f.account.client()
        let db = try TestStack.appDatabase()
        #expect(try client.get("/scans/\(f.first)/diff").status == 409, "the first scan has nothing before it")
        let other = try f.account.target("10.65.\(Int.random(in: 0...255)).1")
        let otherScan = try Seed.scan(db, account: f.account.id, target: other)
        #expect(try client.get("/scans/\(f.second)/diff?against=\(otherScan)").status == 409)
        let pending = try Seed.scan(db, account: f.account.id, target: other, status: "pending")
        let notDone = try client.get("/scans/\(pending)/diff?against=\(otherScan)")
        #expect(notDone.status == 409 && notDone.code == "scan_not_completed", "\(notDone)")
        #expect(try client.get("/scans/\(f.second)/diff?against=abc").status == 400)
    }

    @Test("a scan whose results retention deleted answers 409 for its diff, results and summary, never an empty list")
    func prunedScan() throws {
        let f = try Self.fixture()
        let client = try f.account.client()
        let db = try TestStack.appDatabase()
        try db.execute("UPDATE scans SET results_pruned_at = NOW(6) WHERE id = ?", [.int(f.first)])
        #expect(try client.get("/scans/\(f.second)/diff").status == 409, "the previous scan's results are gone")
        for path in ["/scans/\(f.first)/results", "/scans/\(f.first)/summary", "/scans/\(f.second)/diff?against=\(f.first)"] {
            let answer = try client.get(path)
            #expect(answer.status == 409 && answer.code == "conflict", "\(path): \(answer)")
        }
        #expect(try client.get("/scans/\(f.first)")["results_pruned_at"] is String, "the scan object says so")
        #expect(try client.get("/scans/\(f.second)/results").status == 200, "a kept scan is unaffected")
    }

    @Test("another account's scan is 404 in the path and in ?against=")
    func otherAccount() throws {
        let a = try Self.fixture()
        let b = try Self.fixture()
        let client = try b.account.client()
        #expect(try client.get("/scans/\(a.second)/diff").status == 404)
        let against = try client.get("/scans/\(b.second)/diff?against=\(a.first)")
        #expect(against.status == 404 && !against.text.contains("10.64."), "\(against)")
    }
}
