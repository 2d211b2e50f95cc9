// Confirmed changes and the baseline on plain values (issue 14), no network: which pairs are
// re-probed, how the answers turn candidates into alerts, host_down and its recovery, accepts_all,
// covered ports, rotating domain addresses, TLS against the last known certificate, expiry thresholds.
import Foundation
import Testing
@testable import SkannrCore

@Suite("Change confirmation and baseline")
struct ChangeConfirmationTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let diff = ScanDiff()
    let host = "203.0.113.7"

    func cert(_ fp: String, days: Double = 90, issuer: String = "CN=CA", key: String? = "EC-P256") -> TLSFacts {
        TLSFacts(fingerprint: fp, subject: "CN=example.com", issuer: issuer, notAfter: now.addingTimeInterval(days * 86_400), keyType: key)
    }

    func scan(_ ports: [UInt16], on address: String? = nil, up: Bool = true, covered: String? = "1-10000") -> ScanSnapshot {
        let address = address ?? host
        return ScanSnapshot(openPorts: [address: ports.map { OpenPort(port: $0) }], hostsScanned: [address],
                            hostsUp: up ? [address] : [], coveredPorts: covered.flatMap { try? PortList.parse($0) })
    }

    func evaluate(_ baseline: ScanSnapshot?, _ current: ScanSnapshot, answers: [AddressPort: ProbeAnswer]? = nil,
                  alerted: Set<String> = []) -> DiffOutcome {
        diff.evaluate(baseline: baseline, current: current, answers: answers, alreadyAlerted: alerted, now: now)
    }

    func summary(_ alerts: [AlertDraft]) -> [String] {
        alerts.map { "\($0.type.rawValue):\($0.port.map(String.init) ?? "-")" }
    }

    @Test("the pairs to confirm are the opened and closed ports, nothing when unchanged or on the first scan")
    func candidates() {
        let confirmation = ChangeConfirmation()
        #expect(confirmation.candidates(baseline: nil, current: scan([22])).isEmpty)
        #expect(confirmation.candidates(baseline: scan([22, 80]), current: scan([22, 80])).isEmpty)
        #expect(confirmation.candidates(baseline: scan([22, 80]), current: scan([22, 443]))
                == [AddressPort(host, 80), AddressPort(host, 443)])
    }

    @Test("a silent host is confirmed by re-probing the ports it had open")
    func hostDownCandidates() {
        let pairs = ChangeConfirmation().candidates(baseline: scan([22, 80]), current: scan([], up: false))
        #expect(pairs == [AddressPort(host, 22), AddressPort(host, 80)])
    }

    @Test("a port seen open once but closed on the re-probe raises nothing and stays out of the baseline")
    func unconfirmedOpen() {
        let outcome = evaluate(scan([22]), scan([22, 3389]), answers: [AddressPort(host, 3389): .silent])
        #expect(outcome.alerts.isEmpty)
        #expect(outcome.baseline.port(host, 3389) == nil)
    }

    @Test("a port missed once (open on the re-probe) raises no closed_port, and no new_port when it is seen again")
    func missedOnce() {
        let first = evaluate(scan([22, 80]), scan([22]), answers: [AddressPort(host, 80): .open])
        #expect(first.alerts.isEmpty)
        #expect(first.baseline.port(host, 80) != nil)
        #expect(evaluate(first.baseline, scan([22, 80]), answers: [:]).alerts.isEmpty)
    }

    @Test("confirmed changes raise new_port and closed_port and move the baseline")
    func confirmed() {
        let outcome = evaluate(scan([22, 80]), scan([22, 6379]), answers: [AddressPort(host, 80): .closed, AddressPort(host, 6379): .open])
        #expect(summary(outcome.alerts) == ["closed_port:80", "new_port:6379"])
        #expect(outcome.alerts.allSatisfy { $0.details["confirmed"] == .bool(true) })
        #expect(outcome.baseline.port(host, 80) == nil && outcome.baseline.port(host, 6379) != nil)
    }

    @Test("a closed port with no re-probe answer at all is not confirmed")
    func closedWithoutAnswer() {
        #expect(evaluate(scan([22, 80]), scan([22]), answers: [:]).alerts.isEmpty)
    }

    @Test("a host gone silent raises one host_down instead of a closed_port per port")
    func hostDown() throws {
        let outcome = evaluate(scan([22, 80, 443]), scan([], up: false),
                               answers: [AddressPort(host, 22): .silent, AddressPort(host, 80): .silent, AddressPort(host, 443): .silent])
        #expect(summary(outcome.alerts) == ["host_down:-"])
        let alert = try #require(outcome.alerts.first)
        #expect(alert.severity == .medium && alert.host == host)
        #expect(alert.details["open_ports"] == .array([.int(22), .int(80), .int(443)]))
        #expect(!outcome.baseline.hostsUp.contains(host))
        #expect(outcome.baseline.openPorts[host]?.count == 3)   // remembered for the recovery
        // Still down next time: nothing new.
        #expect(evaluate(outcome.baseline, scan([], up: false), answers: [:]).alerts.isEmpty)
    }

    @Test("a silent host that answers a re-probe is not down, and the baseline is unchanged")
    func hostDownUnconfirmed() {
        let outcome = evaluate(scan([22, 80]), scan([], up: false), answers: [AddressPort(host, 22): .open, AddressPort(host, 80): .silent])
        #expect(outcome.alerts.isEmpty)
        #expect(outcome.baseline.hostsUp.contains(host))
    }

    @Test("the scan that sees a down host again recovers it: no new_port for the ports it had, one for a new one")
    func recovery() {
        let down = evaluate(scan([22, 80]), scan([], up: false), answers: nil).baseline
        let back = evaluate(down, scan([22, 80, 8080]), answers: [AddressPort(host, 8080): .open])
        #expect(back.recovered == [host])
        #expect(summary(back.alerts) == ["new_port:8080"])
        #expect(back.baseline.hostsUp.contains(host))
    }

    @Test("a host accepting every port raises one accepts_all, no port alerts, and contributes no ports to the baseline")
    func acceptsAll() throws {
        var tarpit = scan(Array(1...100))
        tarpit.acceptsAll = [host: "answered open on 1000 of 1000 ports and 8 of 8 unscanned ports"]
        let first = evaluate(scan([22]), tarpit)
        #expect(summary(first.alerts) == ["accepts_all:-"])
        let alert = try #require(first.alerts.first)
        #expect(alert.severity == .info && alert.details["reason"] != nil)
        #expect(evaluate(first.baseline, tarpit).alerts.isEmpty)   // once, not every scan
        #expect(first.baseline.openPorts[host]?.map(\.port) == [22])   // the real ports are remembered
        #expect(evaluate(nil, tarpit).baseline.openPorts[host] == nil)
    }

    @Test("narrowing the port list raises nothing for ports the new scan did not cover; widening raises nothing either")
    func coveredPorts() {
        let wide = scan([22, 8080], covered: "1-10000")
        let narrow = evaluate(wide, scan([22], covered: "1-1024"))
        #expect(narrow.alerts.isEmpty)
        #expect(narrow.baseline.port(host, 8080) != nil)
        let widened = evaluate(scan([22], covered: "1-1024"), scan([22, 9000], covered: "1-10000"))
        #expect(widened.alerts.isEmpty)
        #expect(widened.baseline.port(host, 9000) != nil)
    }

    func domain(_ ports: [String: [UInt16]]) -> ScanSnapshot {
        ScanSnapshot(openPorts: ports.mapValues { $0.map { OpenPort(port: $0) } }, hostsScanned: Set(ports.keys),
                     hostsUp: Set(ports.keys), hostnames: Dictionary(uniqueKeysWithValues: ports.keys.map { ($0, "example.com") }))
    }

    @Test("a domain whose addresses rotate raises nothing; a port closed on every address is one closed_port naming them")
    func rotatingDomain() throws {
        let before = domain(["192.0.2.1": [80, 443], "192.0.2.2": [80, 443]])
        let rotated = domain(["192.0.2.3": [80, 443], "192.0.2.4": [80, 443]])
        #expect(ChangeConfirmation().candidates(baseline: before, current: rotated).isEmpty)
        #expect(evaluate(before, rotated).alerts.isEmpty)
        let closed = evaluate(rotated, domain(["192.0.2.5": [443]]))
        let alert = try #require(closed.alerts.first)
        #expect(summary(closed.alerts) == ["closed_port:80"])
        #expect(alert.details["hostname"] == .string("example.com"))
        #expect(alert.details["addresses"] == .array([.string("192.0.2.5")]))
        #expect(alert.details["previous_addresses"] == .array([.string("192.0.2.3"), .string("192.0.2.4")]))
    }

    func tls(_ facts: TLSFacts?, plain: Bool = false) -> ScanSnapshot {
        ScanSnapshot(openPorts: [host: [OpenPort(port: 443, tls: facts, plain: plain)]])
    }

    @Test("a failed TLS probe hides no change: the next certificate is compared with the last known one")
    func lastKnownCertificate() throws {
        let unknown = evaluate(tls(cert("a")), tls(nil))
        #expect(unknown.alerts.isEmpty)
        let changed = evaluate(unknown.baseline, tls(cert("b", issuer: "CN=Other CA")))
        let alert = try #require(changed.alerts.first)
        #expect(alert.type == .tlsChange && alert.details["change"] == .string("replacement") && alert.severity == .medium)
    }

    @Test("a renewal (same subject, issuer, key type) is low; another key type is a replacement")
    func renewalOrReplacement() {
        let renewal = evaluate(tls(cert("a")), tls(cert("b"))).alerts
        #expect(renewal.map(\.severity) == [.low] && renewal.first?.details["change"] == .string("renewal"))
        let newKey = evaluate(tls(cert("a")), tls(cert("b", key: "RSA-2048"))).alerts
        #expect(newKey.map(\.severity) == [.medium] && newKey.first?.details["change"] == .string("replacement"))
    }

    @Test("TLS appearing on a plaintext port and disappearing from a TLS port are reported")
    func tlsAppearsAndDisappears() {
        #expect(evaluate(tls(nil, plain: true), tls(cert("a"))).alerts.first?.details["change"] == .string("tls_added"))
        #expect(evaluate(tls(cert("a")), tls(nil, plain: true)).alerts.first?.details["change"] == .string("tls_removed"))
        #expect(evaluate(tls(nil), tls(cert("a"))).alerts.isEmpty)   // unknown before: nothing to compare
    }

    @Test("tls_expiring escalates at 14, 7 and 1 days, once per certificate and threshold")
    func expiryThresholds() {
        func alerts(_ days: Double, _ alerted: Set<String>) -> [AlertDraft] {
            evaluate(nil, tls(cert("x", days: days)), alerted: alerted).alerts
        }
        #expect(alerts(20, []).isEmpty)
        #expect(alerts(13, []).map(\.expiryThreshold) == [14])
        #expect(alerts(13, ["x:14"]).isEmpty)
        #expect(alerts(6, ["x:14"]).map(\.expiryThreshold) == [7])
        #expect(alerts(6, ["x:14"]).map(\.severity) == [.high])
        #expect(alerts(0.5, ["x:14", "x:7"]).map(\.severity) == [.critical])
        #expect(alerts(0.5, ["x:14", "x:7", "x:1"]).isEmpty)
    }

    @Test("a host whose results were cut by a budget raises no closed_port for the ports it did not report")
    func partialHost() {
        var cut = scan([22])
        cut.partial = [host]
        let outcome = evaluate(scan([22, 80]), cut)
        #expect(outcome.alerts.isEmpty)
        #expect(outcome.baseline.port(host, 80) != nil)
    }

    @Test("a first scan re-probes its unanswered ports: one found open joins the baseline, so seeing it later is no new_port")
    func firstScanMiss() {
        var first = scan([22])
        first.unanswered = [host: [80, 443]]
        #expect(ChangeConfirmation().candidates(baseline: nil, current: first) == [AddressPort(host, 80), AddressPort(host, 443)])
        let outcome = evaluate(nil, first, answers: [AddressPort(host, 80): .open, AddressPort(host, 443): .silent])
        #expect(outcome.alerts.isEmpty)
        #expect(outcome.baseline.port(host, 80) != nil && outcome.baseline.port(host, 443) == nil)
        #expect(evaluate(outcome.baseline, scan([22, 80]), answers: [:]).alerts.isEmpty)
    }

    @Test("the baseline survives a JSON round trip")
    func baselineCodable() throws {
        let baseline = evaluate(domain(["192.0.2.1": [80]]), domain(["192.0.2.1": [80]])).baseline
        let data = try JSONEncoder().encode(baseline)
        #expect(try JSONDecoder().decode(ScanSnapshot.self, from: data) == baseline)
    }
}
