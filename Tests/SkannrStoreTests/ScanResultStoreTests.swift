// ScanResultStore on a real database: the summary's hosts, their open ports and the totals, scoped
// to the account that owns the scan.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
import TestSupport

@Suite("Scan result store", .needsDatabase)
struct ScanResultStoreTests {
    let f: ProgressFixture

    init() throws { f = try ProgressFixture() }

    func host(_ scan: Int64, _ address: String, up: Bool, open: Int, closed: Int, filtered: Int) throws {
        try f.db.execute("""
            INSERT INTO scan_hosts (scan_id, host, host_key, state, open_count, closed_count, filtered_count) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.int(scan), .text(address), .blob(HostKey.bytes(for: address)), .text(up ? "up" : "down"),
                  .int(Int64(open)), .int(Int64(closed)), .int(Int64(filtered))])
    }

    @Test("the summary lists each host with its open ports and totals them; another account sees nothing")
    func summary() throws {
        let account = try f.account()
        let target = try f.target(account, "203.0.113.0/30", type: "cidr")
        let scan = try f.scan(account, target: target, finished: Date(), open: [22, 443], host: "203.0.113.2")
        try host(scan, "203.0.113.2", up: true, open: 2, closed: 990, filtered: 8)
        try host(scan, "203.0.113.1", up: true, open: 0, closed: 1000, filtered: 0)
        try host(scan, "203.0.113.3", up: false, open: 0, closed: 0, filtered: 1000)
        let store = ScanResultStore(connection: f.db)

        let (hosts, totals) = try store.summary(accountID: account, scanID: scan)
        #expect(hosts.map(\.host) == ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
        #expect(hosts.map(\.openPorts) == [[], [22, 443], []])
        #expect([totals.hosts, totals.hostsUp, totals.open, totals.filtered, totals.closed] == [3, 2, 2, 1008, 1990])

        let stranger = try store.summary(accountID: try f.account(), scanID: scan)
        #expect(stranger.hosts.isEmpty && stranger.totals.hosts == 0 && stranger.totals.open == 0)
    }
}
