// Issue 19: expected ports rate port changes differently, an accepted risk raises nothing again
// while it is the latest word on that (host, port), and the score lists accepted exposure at 0.
import Foundation
import SkannrCore
import Testing

@Suite("Alert policy: expected ports and accepted risk (issue 19)")
struct AlertPolicyTests {
    static func draft(_ type: AlertDraft.Kind, port: UInt16?, severity: Severity = .critical, host: String = "192.0.2.1") -> AlertDraft {
        AlertDraft(type: type, severity: severity, host: host, port: port, title: "t", details: [:])
    }

    @Test("a new_port on an expected port is info, a closed_port on one is high")
    func expected() throws {
        let policy = AlertPolicy(expectedPorts: try PortList.parse("443,3389"))
        let out = policy.apply(to: [Self.draft(.newPort, port: 3389), Self.draft(.closedPort, port: 443, severity: .info)])
        #expect(out.map(\.severity) == [.info, .high])
        #expect(out.allSatisfy { $0.details["expected"] == .bool(true) })
    }

    @Test("ports not expected, and other alert types, keep their severity")
    func unexpected() throws {
        let policy = AlertPolicy(expectedPorts: try PortList.parse("443"))
        let drafts = [Self.draft(.newPort, port: 23), Self.draft(.tlsChange, port: 443, severity: .medium), Self.draft(.hostDown, port: nil, severity: .medium)]
        #expect(policy.apply(to: drafts) == drafts)
        #expect(AlertPolicy().apply(to: drafts) == drafts, "no expected ports: nothing changes")
    }

    @Test("an accepted (host, port, type) raises nothing; another type or host still alerts")
    func accepted() {
        let policy = AlertPolicy(accepted: [.init(host: "192.0.2.1", port: 3389, type: .newPort)])
        let out = policy.apply(to: [Self.draft(.newPort, port: 3389), Self.draft(.closedPort, port: 3389),
                                    Self.draft(.newPort, port: 3389, host: "192.0.2.2")])
        #expect(out.map { "\($0.type.rawValue)@\($0.host)" } == ["closed_port@192.0.2.1", "new_port@192.0.2.2"])
    }

    @Test("an accepted tls_change does not hide the next certificate change")
    func tlsChangeIsAlwaysNew() {
        let policy = AlertPolicy(accepted: [.init(host: "192.0.2.1", port: 443, type: .tlsChange)])
        #expect(policy.apply(to: [Self.draft(.tlsChange, port: 443, severity: .medium)]).count == 1)
    }

    @Test("the score lists an accepted risky port at 0 points, marked accepted")
    func scoreMarksAccepted() {
        let now = Date()
        let input = ScoreInput(openPorts: [.init(host: "192.0.2.1", port: 3389, accepted: true), .init(host: "192.0.2.1", port: 23)],
                               certificates: [], alerts: [], targets: [], mfaEnabled: true, now: now)
        let exposure = ScoreRules.score(input).categories.first { $0.key == "exposure" }
        #expect(exposure?.details.contains { $0.hasPrefix("-0: 3389/tcp") && $0.hasSuffix("(accepted risk)") } == true, "\(String(describing: exposure?.details))")
        #expect(exposure?.details.contains { $0.contains("23/tcp") && !$0.hasPrefix("-0") } == true)
    }
}
