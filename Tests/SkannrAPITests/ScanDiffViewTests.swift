// Issue 19: GET /scans/:id/diff is SkannrCore's ScanDiff read as a diff. These pin the mapping from
// the diff's alerts to the answer's lists (opened, closed, TLS, hosts), without a database.
import Foundation
import SkannrCore
import Testing
@testable import SkannrAPI

@Suite("Scan diff view (issue 19)")
struct ScanDiffViewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func cert(_ fingerprint: String) -> TLSFacts {
        TLSFacts(fingerprint: fingerprint, subject: "CN=a.example", issuer: "CN=CA", notAfter: now.addingTimeInterval(90 * 86400))
    }

    @Test("an opened and a closed port are listed with their services")
    func openedAndClosed() {
        let before = ScanSnapshot(openPorts: ["192.0.2.1": [OpenPort(port: 22, service: "ssh"), OpenPort(port: 80, service: "http")]])
        let after = ScanSnapshot(openPorts: ["192.0.2.1": [OpenPort(port: 22, service: "ssh"), OpenPort(port: 3389)]])
        let view = ScanDiffView(scanID: 2, againstID: 1, before: before, after: after, now: Self.now)
        #expect(view.portsOpened.map { "\($0.host):\($0.port)" } == ["192.0.2.1:3389"])
        #expect(view.portsClosed.map { "\($0.host):\($0.port):\($0.service ?? "-")" } == ["192.0.2.1:80:http"])
        #expect(view.hostsAdded.isEmpty && view.hostsRemoved.isEmpty && view.tlsChanged.isEmpty)
    }

    @Test("a changed certificate is a tls_changed entry with both certificates")
    func tlsChanged() {
        let before = ScanSnapshot(openPorts: ["192.0.2.1": [OpenPort(port: 443, tls: Self.cert("aa"))]])
        let after = ScanSnapshot(openPorts: ["192.0.2.1": [OpenPort(port: 443, tls: Self.cert("bb"))]])
        let view = ScanDiffView(scanID: 2, againstID: 1, before: before, after: after, now: Self.now)
        #expect(view.tlsChanged.count == 1)
        #expect(view.tlsChanged.first?.before != .null && view.tlsChanged.first?.after != .null)
        #expect(view.portsOpened.isEmpty && view.portsClosed.isEmpty)
    }

    @Test("a host that went silent is removed with its ports closed; a new host is added")
    func hosts() {
        let before = ScanSnapshot(openPorts: ["192.0.2.1": [OpenPort(port: 22)]], hostsScanned: ["192.0.2.1", "192.0.2.2"])
        let after = ScanSnapshot(openPorts: ["192.0.2.2": [OpenPort(port: 80)]], hostsScanned: ["192.0.2.1", "192.0.2.2"])
        let view = ScanDiffView(scanID: 2, againstID: 1, before: before, after: after, now: Self.now)
        #expect(view.hostsRemoved == ["192.0.2.1"])
        #expect(view.portsClosed.map(\.port) == [22])
        #expect(view.hostsAdded == ["192.0.2.2"])
        #expect(view.portsOpened.map(\.port) == [80])
    }

    @Test("two identical scans differ in nothing")
    func identical() {
        let snapshot = ScanSnapshot(openPorts: ["192.0.2.1": [OpenPort(port: 22), OpenPort(port: 443, tls: Self.cert("aa"))]])
        let view = ScanDiffView(scanID: 2, againstID: 1, before: snapshot, after: snapshot, now: Self.now)
        #expect(view.portsOpened.isEmpty && view.portsClosed.isEmpty && view.tlsChanged.isEmpty)
        #expect(view.hostsAdded.isEmpty && view.hostsRemoved.isEmpty)
    }
}
