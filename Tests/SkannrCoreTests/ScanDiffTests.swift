// The alert diff on plain values: baseline, open -> closed -> open, certificate rotation and
// expiry, vanished hosts and a CIDR with many hosts.
import Foundation
import Testing
@testable import SkannrCore

@Suite("Scan diff")
struct ScanDiffTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let diff = ScanDiff()

    func cert(_ fp: String, days: Double) -> TLSFacts {
        TLSFacts(fingerprint: fp, subject: "CN=example.com", issuer: "CN=Test CA", notAfter: now.addingTimeInterval(days * 86_400))
    }

    func snap(_ ports: [String: [OpenPort]], scanned: Set<String>? = nil) -> ScanSnapshot {
        ScanSnapshot(openPorts: ports, hostsScanned: scanned)
    }

    func run(_ previous: ScanSnapshot?, _ current: ScanSnapshot, alerted: Set<String> = []) -> [AlertDraft] {
        diff.alerts(previous: previous, current: current, alreadyAlertedFingerprints: alerted, now: now)
    }

    @Test("a baseline scan raises no port or TLS change alerts")
    func baseline() {
        let current = snap(["203.0.113.10": [OpenPort(port: 22), OpenPort(port: 3389), OpenPort(port: 443, tls: cert("a", days: 90))]])
        #expect(run(nil, current).isEmpty)
    }

    @Test("a newly open port is a new_port with the service's severity and title")
    func newPort() throws {
        let alerts = run(snap(["203.0.113.10": [OpenPort(port: 443)]]),
                         snap(["203.0.113.10": [OpenPort(port: 443), OpenPort(port: 3389)]]))
        let alert = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(alert.type == .newPort && alert.port == 3389 && alert.host == "203.0.113.10")
        #expect(alert.severity == .critical)
        #expect(alert.title == "New open port 3389 (ms-wbt-server)")
    }

    @Test("open -> closed -> open gives new_port, closed_port, new_port")
    func reopen() {
        let open = snap(["198.51.100.1": [OpenPort(port: 6379)]], scanned: ["198.51.100.1"])
        let closed = ScanSnapshot(openPorts: [:], hostsUp: ["198.51.100.1"])   // up, every port closed
        let base = snap([:], scanned: ["198.51.100.1"])
        #expect(run(base, open).map(\.type) == [.newPort])
        let closing = run(open, closed)
        #expect(closing.map(\.type) == [.closedPort])
        #expect(closing.first?.severity == .info)
        #expect(closing.first?.title == "Port 6379 (redis) closed")
        #expect(run(closed, open).map(\.type) == [.newPort])
        #expect(run(open, open).isEmpty)
    }

    @Test("a certificate rotation is a tls_change with previous and current facts")
    func rotation() throws {
        let before = snap(["h": [OpenPort(port: 443, tls: cert("old", days: 60))]])
        let after = snap(["h": [OpenPort(port: 443, tls: cert("new", days: 90))]])
        let alerts = run(before, after)
        let alert = try #require(alerts.first)
        #expect(alerts.count == 1 && alert.type == .tlsChange)
        guard case .object(let previous)? = alert.details["previous"], case .object(let current)? = alert.details["current"] else {
            Issue.record("details missing"); return
        }
        #expect(previous["fingerprint"] == .string("old"))
        #expect(current["fingerprint"] == .string("new"))
        #expect(current["not_after"] == .string(RFC3339.string(from: now.addingTimeInterval(90 * 86_400))))
        #expect(current["subject"] == .string("CN=example.com") && current["issuer"] == .string("CN=Test CA"))
    }

    @Test("an expiring certificate alerts once, also on the baseline, and not when already alerted")
    func expiring() throws {
        let current = snap(["a": [OpenPort(port: 443, tls: cert("soon", days: 10))],
                            "b": [OpenPort(port: 443, tls: cert("soon", days: 10)), OpenPort(port: 8443, tls: cert("fine", days: 20))]])
        let alerts = run(nil, current)
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert.type == .tlsExpiring && alert.host == "a" && alert.certificateFingerprint == "soon")
        #expect(alert.title == "TLS certificate on port 443 expires in 10 days")
        #expect(alert.severity == .medium)
        #expect(run(current, current, alerted: ["soon"]).isEmpty)
        let expired = run(nil, snap(["c": [OpenPort(port: 443, tls: cert("gone", days: -1))]]))
        #expect(expired.first?.title == "TLS certificate on port 443 has expired")
        #expect(expired.first?.severity == .critical)
    }

    @Test("a host the current scan did not cover raises nothing (its ports are not known to be closed)")
    func vanishedHost() {
        let before = snap(["192.0.2.1": [OpenPort(port: 80), OpenPort(port: 443)], "192.0.2.2": [OpenPort(port: 22)]])
        let after = snap(["192.0.2.2": [OpenPort(port: 22)]], scanned: ["192.0.2.2"])
        #expect(run(before, after).isEmpty)
    }

    @Test("a closed port says whether its host still has other ports open; a silent host is host_down instead")
    func closedReasons() {
        let before = snap(["192.0.2.1": [OpenPort(port: 22)], "192.0.2.2": [OpenPort(port: 22)],
                           "192.0.2.3": [OpenPort(port: 22), OpenPort(port: 80)], "192.0.2.4": [OpenPort(port: 22)]])
        let after = ScanSnapshot(openPorts: ["192.0.2.3": [OpenPort(port: 80)]], hostsScanned: ["192.0.2.2", "192.0.2.3"],
                                 hostsUp: ["192.0.2.4"])
        let alerts = run(before, after)
        #expect(alerts.map { "\($0.type.rawValue) \($0.host):\($0.port.map(String.init) ?? "-")" }
                == ["host_down 192.0.2.2:-", "closed_port 192.0.2.3:22", "closed_port 192.0.2.4:22"])
        #expect(alerts.map { $0.details["reason"] } == [nil, .string("port_closed"), .string("all_ports_closed")])
        #expect(alerts.first?.severity == .medium)
    }

    @Test("a CIDR scan with many hosts yields one alert per changed (host, port), in order")
    func manyHosts() throws {
        let block = try CIDRBlock.parse("198.51.100.0/24")
        let hosts = block.hosts.map(\.description)
        var before: [String: [OpenPort]] = [:]
        var after: [String: [OpenPort]] = [:]
        for (index, host) in hosts.enumerated() {
            before[host] = [OpenPort(port: 80)]
            after[host] = index % 2 == 0 ? [OpenPort(port: 80), OpenPort(port: 23)] : []
        }
        let alerts = run(snap(before, scanned: Set(hosts)), snap(after, scanned: Set(hosts)))
        #expect(alerts.count == 256)
        #expect(alerts.filter { $0.type == .newPort }.count == 128)
        #expect(alerts.filter { $0.type == .hostDown }.count == 128)   // the odd hosts went silent
        #expect(alerts.filter { $0.type == .newPort }.allSatisfy { $0.severity == .critical && $0.port == 23 })
        let keys = alerts.map { "\($0.host):\($0.port ?? 0)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test("the risk table ranks dangerous services above web ports")
    func riskTable() {
        for port: UInt16 in [23, 445, 3389, 2375, 6379, 9200, 27017, 11211, 5900, 3306, 5432, 1433] {
            #expect(ServiceRisk.of(port: port).severity == .critical)
        }
        for port: UInt16 in [21, 389, 161, 199, 135, 139, 5985, 2376] { #expect(ServiceRisk.of(port: port).severity == .high) }
        #expect(ServiceRisk.of(port: 80).severity == .low && ServiceRisk.of(port: 443).severity == .low)
        #expect(ServiceRisk.of(port: 31337).severity == .medium)
    }

    @Test("JSONValue round-trips through JSON")
    func jsonValue() throws {
        let value: JSONValue = .object(["a": .int(1), "b": .array([.string("x"), .bool(true), .null, .double(1.5)])])
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }
}
