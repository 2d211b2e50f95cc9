// Reads of a scan's results, scoped by account through a join on scans.user_id. Everything is
// ordered by (host_key, port) from the indexes port_results_scan_state and scan_hosts_scan_host;
// results page by keyset on (host_key, port), so a /20 full scan is never loaded whole.
import Foundation
import MariaDB
import SkannrCore

public struct PortResultRecord: Sendable, Equatable {
    public var host: String
    public var hostKey: [UInt8]
    public var port: Int
    public var state: String
    public var service: String?
    public var tls: TLSFacts?
}

public struct HostSummaryRecord: Sendable, Equatable {
    public var host: String
    public var hostname: String?
    public var state: String
    public var open: Int64
    public var filtered: Int64
    public var closed: Int64
    public var openPorts: [Int]
    /// A tarpit / SYN proxy: answers open on almost every port (at most 100 of its ports stored).
    public var acceptsAll: Bool = false
    /// What was cut or noticed on this host.
    public var notes: [String] = []
}

public struct SummaryTotals: Sendable, Equatable {
    public var hosts: Int64
    public var hostsUp: Int64
    public var open: Int64
    public var filtered: Int64
    public var closed: Int64
}

public struct ScanResultStore {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// Open ports of the scan after `after` (exclusive), ordered by host then port.
    public func openPorts(accountID: Int64, scanID: Int64, limit: Int,
                          after: (hostKey: [UInt8], port: Int)?) throws -> Page<PortResultRecord> {
        var sql = """
            SELECT p.host, p.host_key, p.port, p.state, p.service, c.port_result_id AS tls_id, c.version, c.cipher,
                c.subject, c.issuer, c.san, c.not_before, c.not_after, c.fingerprint_sha256, c.self_signed, c.expired
            FROM port_results p FORCE INDEX (port_results_scan_state)
            JOIN scans s ON s.id = p.scan_id
            LEFT JOIN tls_certificates c ON c.port_result_id = p.id
            WHERE s.user_id = ? AND p.scan_id = ? AND p.state = 'open'
            """
        // FORCE INDEX: with its row estimates MariaDB 10.11 preferred `ref` on scan_id alone (walking
        // the scan from its first row: 17 ms at row 50,000) over the range that starts at the cursor (0.2 ms).
        var params: [SQLValue] = [.int(accountID), .int(scanID)]
        if let after {
            // The leading `>=` gives the optimizer a range on (scan_id, state, host_key, port): the page
            // starts at the cursor instead of walking the scan's rows from the beginning.
            sql += " AND p.host_key >= ? AND (p.host_key > ? OR p.port > ?)"
            params += [.blob(after.hostKey), .blob(after.hostKey), .int(Int64(after.port))]
        }
        sql += " ORDER BY p.host_key, p.port LIMIT ?"
        params.append(.int(Int64(limit + 1)))
        let rows = try connection.query(sql, params)
        let records = try rows.prefix(limit).map(Self.portResult)
        let next = rows.count > limit ? records.last.map { Cursor.encode(hostKey: $0.hostKey, port: $0.port) } : nil
        return Page(items: records, nextCursor: next)
    }

    /// Every host of the scan with its counts and open ports, and the totals over those hosts.
    public func summary(accountID: Int64, scanID: Int64) throws -> (hosts: [HostSummaryRecord], totals: SummaryTotals) {
        let params: [SQLValue] = [.int(accountID), .int(scanID)]
        var portsByHost: [[UInt8]: [Int]] = [:]
        try connection.forEachRow("""
            SELECT p.host_key, p.port FROM port_results p JOIN scans s ON s.id = p.scan_id
            WHERE s.user_id = ? AND p.scan_id = ? AND p.state = 'open' ORDER BY p.host_key, p.port
            """, params) { row in
            portsByHost[try row.blob("host_key"), default: []].append(Int(try row.int("port")))
        }
        var hosts: [HostSummaryRecord] = []
        try connection.forEachRow("""
            SELECT h.host, h.host_key, h.hostname, h.state, h.open_count, h.closed_count, h.filtered_count, h.accepts_all, h.notes
            FROM scan_hosts h JOIN scans s ON s.id = h.scan_id
            WHERE s.user_id = ? AND h.scan_id = ? ORDER BY h.host_key
            """, params) { row in
            hosts.append(HostSummaryRecord(
                host: try row.string("host"), hostname: try row.optionalString("hostname"), state: try row.string("state"),
                open: try row.int("open_count"), filtered: try row.int("filtered_count"), closed: try row.int("closed_count"),
                openPorts: portsByHost[try row.blob("host_key")] ?? [], acceptsAll: try row.bool("accepts_all"),
                notes: ScanRecord.strings(try row.optionalString("notes"))))
        }
        // A CIDR scan's down hosts are stored as runs (ScanDownHosts): listed here as the contract says.
        if let scan = try connection.queryOne("SELECT address, down_hosts, ports_per_host FROM scans WHERE user_id = ? AND id = ?", params),
           let runs = try scan.optionalString("down_hosts") {
            let ports = try scan.int("ports_per_host")
            hosts += DownHostRuns.decode(runs, range: try scan.string("address")).map {
                HostSummaryRecord(host: $0, hostname: nil, state: "down", open: 0, filtered: ports, closed: 0, openPorts: [])
            }
            hosts = hosts.map { (HostKey.bytes(for: $0.host), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
        }
        // The totals are the sums of the rows just read: no second pass over scan_hosts, and they
        // always agree with the hosts listed.
        let totals = SummaryTotals(
            hosts: Int64(hosts.count), hostsUp: Int64(hosts.count { $0.state == "up" }),
            open: hosts.reduce(0) { $0 + $1.open }, filtered: hosts.reduce(0) { $0 + $1.filtered },
            closed: hosts.reduce(0) { $0 + $1.closed })
        return (hosts, totals)
    }

    private static func portResult(_ row: Row) throws -> PortResultRecord {
        var tls: TLSFacts?
        if try !row.isNull("tls_id") {
            let sanText = try row.string("san")
            let san = (try? JSONSerialization.jsonObject(with: Data(sanText.utf8))) as? [String] ?? []
            tls = TLSFacts(
                version: try row.string("version"), cipher: try row.string("cipher"), subject: try row.string("subject"),
                issuer: try row.string("issuer"), san: san, notBefore: try row.date("not_before"),
                notAfter: try row.date("not_after"), fingerprintSHA256: try row.string("fingerprint_sha256"),
                selfSigned: try row.bool("self_signed"), expired: try row.bool("expired"))
        }
        return PortResultRecord(
            host: try row.string("host"), hostKey: try row.blob("host_key"), port: Int(try row.int("port")),
            state: try row.string("state"), service: try row.optionalString("service"), tls: tls)
    }
}
