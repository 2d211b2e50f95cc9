// Issue 19, CSV through nginx: Accept text/csv on results and alerts answers every row (more than
// one 1,000-row page, no limit), streamed without Content-Length, RFC 4180 quoted and with formula
// cells neutralised; another account's scan stays 404; JSON stays the default.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("CSV export (issue 19)", .needsStack)
struct CSVExportEndToEndTests {
    static func csv(_ client: APIClient, _ path: String) throws -> APIResponse {
        try client.call("GET", path, headers: [("Accept", "text/csv")])
    }

    @Test("alerts as CSV: every alert over several pages, quoted, formulas prefixed, streamed")
    func alerts() throws {
        let account = try TestAccount.make()
        let target = try account.target("10.66.\(Int.random(in: 0...255)).1")
        let db = try TestStack.appDatabase()
        let scan = try Seed.scan(db, account: account.id, target: target)
        try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
            SELECT ?, ?, ?, 'new_port', 'high', '10.66.0.1', 1 + seq, CONCAT('Port ', seq, ', "quoted"'), '{}', 'open', CONCAT('csv-', ?, '-', seq), UTC_TIMESTAMP(6)
            FROM seq_0_to_2499
            """, [.int(account.id), .int(target), .int(scan), .text(UUID().uuidString)])
        try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
            VALUES (?, ?, ?, 'new_port', 'high', '10.66.0.1', 9999, '=HYPERLINK("http://evil")', '{}', 'open', ?, UTC_TIMESTAMP(6))
            """, [.int(account.id), .int(target), .int(scan), .text(UUID().uuidString)])
        let response = try Self.csv(try account.client(), "/alerts?limit=5")
        #expect(response.status == 200, "\(response)")
        #expect(response.header("Content-Type")?.hasPrefix("text/csv") == true)
        #expect(response.header("Content-Length") == nil, "streamed, not buffered")
        let lines = response.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "id,target_id,scan_id,type,severity,status,host,port,title,created_at,acknowledged_at,resolved_at")
        #expect(lines.count == 1 + 2501, "every alert, limit ignored: \(lines.count)")
        #expect(response.text.contains(",\"Port 7, \"\"quoted\"\"\","), "RFC 4180 quoting")
        #expect(response.text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "formula neutralised")
        #expect(!response.text.contains(",=HYPERLINK"))
        #expect(try account.client().get("/alerts?limit=5").items.count == 5, "JSON stays the default")
    }

    @Test("scan results as CSV: every open port with a header row; another account's scan is 404")
    func results() throws {
        let account = try TestAccount.make()
        let target = try account.target("10.67.\(Int.random(in: 0...255)).1")
        let db = try TestStack.appDatabase()
        let scan = try Seed.scan(db, account: account.id, target: target)
        try Seed.host(db, scan: scan, "10.67.0.1", open: 3, closed: 0, filtered: 0)
        try Seed.port(db, scan: scan, "10.67.0.1", 22, service: "ssh")
        try Seed.port(db, scan: scan, "10.67.0.1", 80, service: "-cmd")
        try Seed.port(db, scan: scan, "10.67.0.1", 443, service: "https")
        let response = try Self.csv(try account.client(), "/scans/\(scan)/results")
        #expect(response.status == 200, "\(response)")
        let lines = response.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first?.hasPrefix("host,port,protocol,state,service") == true)
        #expect(lines.dropFirst().map { $0.split(separator: ",")[1] } == ["22", "80", "443"], "\(lines)")
        #expect(lines[2].contains(",'-cmd,"), "\(lines[2])")
        let other = try Self.csv(try TestAccount.make().client(), "/scans/\(scan)/results")
        #expect(other.status == 404, "\(other)")
    }
}
