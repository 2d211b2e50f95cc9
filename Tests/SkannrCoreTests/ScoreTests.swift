// The security score: a table of scenarios with expected scores and grades, and the boundaries.
import Foundation
import Testing
@testable import SkannrCore

@Suite("Security score")
struct ScoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let fresh = ScoreInput.TargetFacts(address: "203.0.113.10", intervalMinutes: 1440, lastScanAt: now.addingTimeInterval(-3600))

    @Test("grade boundaries: 90 is A, 89 is B, 60 is D, 59 is F")
    func grades() {
        #expect(ScoreRules.grade(for: 100) == "A")
        #expect(ScoreRules.grade(for: 90) == "A")
        #expect(ScoreRules.grade(for: 89) == "B")
        #expect(ScoreRules.grade(for: 80) == "B")
        #expect(ScoreRules.grade(for: 70) == "C")
        #expect(ScoreRules.grade(for: 60) == "D")
        #expect(ScoreRules.grade(for: 59) == "F")
        #expect(ScoreRules.grade(for: 0) == "F")
    }

    @Test("scenarios give the documented scores", arguments: [
        ("clean account with MFA", ScoreInput(targets: [fresh], mfaEnabled: true, now: now), 100, "A"),
        ("clean account without MFA", ScoreInput(targets: [fresh], mfaEnabled: false, now: now), 96, "A"),
        ("no targets", ScoreInput(mfaEnabled: true, now: now), 80, "B"),
        ("RDP and Redis open", ScoreInput(openPorts: [.init(host: "203.0.113.10", port: 3389), .init(host: "203.0.113.10", port: 6379)],
                                          targets: [fresh], mfaEnabled: true, now: now), 88, "B"),
        ("web only", ScoreInput(openPorts: [.init(host: "h", port: 80), .init(host: "h", port: 443)],
                                targets: [fresh], mfaEnabled: true, now: now), 100, "A"),
        ("expired certificate", ScoreInput(certificates: [.init(host: "h", port: 443, notAfter: now.addingTimeInterval(-1))],
                                           targets: [fresh], mfaEnabled: true, now: now), 94, "A"),
        ("seven critical ports", ScoreInput(openPorts: [23, 445, 3389, 2375, 6379, 9200, 27017].map { .init(host: "h", port: $0) },
                                            targets: [fresh], mfaEnabled: true, now: now), 60, "D"),
        ("a critical alert ignored for two days", ScoreInput(
            alerts: [.init(title: "New open port 23 (telnet)", severity: .critical, createdAt: now.addingTimeInterval(-172_800))],
            targets: [fresh], mfaEnabled: true, now: now), 96, "A"),
        ("stale target", ScoreInput(targets: [.init(address: "x.example", intervalMinutes: 60, lastScanAt: now.addingTimeInterval(-86_400))],
                                    mfaEnabled: true, now: now), 98, "A"),
    ] as [(String, ScoreInput, Int, String)])
    func scenarios(name: String, input: ScoreInput, score: Int, grade: String) {
        let result = ScoreRules.score(input)
        #expect(result.score == score, "\(name)")
        #expect(result.grade == grade, "\(name)")
        #expect(result.categories.map(\.key) == ["exposure", "tls", "response", "coverage"])
        #expect(result.categories.reduce(0) { $0 + $1.weight } == 100)
    }

    @Test("every deduction is listed in plain words")
    func details() {
        let input = ScoreInput(openPorts: [.init(host: "203.0.113.10", port: 3389)],
                               certificates: [.init(host: "203.0.113.10", port: 443, notAfter: Self.now.addingTimeInterval(86_400), selfSigned: true)],
                               alerts: [.init(title: "New open port 3389 (ms-wbt-server)", severity: .critical,
                                              createdAt: Self.now.addingTimeInterval(-100_000), acknowledgedAt: Self.now)],
                               targets: [Self.fresh], mfaEnabled: false, now: Self.now)
        let categories = Dictionary(uniqueKeysWithValues: ScoreRules.score(input).categories.map { ($0.key, $0) })
        #expect(categories["exposure"]?.details == ["-15: 3389/tcp (RDP) open on 203.0.113.10"])
        #expect(categories["exposure"]?.score == 85)
        #expect(categories["tls"]?.details == ["-15: certificate on 203.0.113.10:443 expires within 14 days",
                                                "-10: certificate on 203.0.113.10:443 is self-signed"])
        #expect(categories["response"]?.details == ["-10: critical alert \"New open port 3389 (ms-wbt-server)\" acknowledged but unresolved for over 24 hours"])
        #expect(categories["coverage"]?.details == ["-20: two-factor authentication (MFA) is off"])
    }

    @Test("categories never drop below zero")
    func floor() {
        let ports = (1...20).map { ScoreInput.ExposedPort(host: "h\($0)", port: 3389) }
        let result = ScoreRules.score(ScoreInput(openPorts: ports, targets: [Self.fresh], mfaEnabled: true, now: Self.now))
        #expect(result.categories.first?.score == 0)
        #expect(result.score == 60)
    }

    @Test("the worked example of docs/score.md scores 88 (B), then 96 (A) once fixed")
    func workedExample() {
        let host = "203.0.113.10"
        let alert = ScoreInput.AlertFacts(title: "New open port 3389 (ms-wbt-server)", severity: .critical,
                                          createdAt: Self.now.addingTimeInterval(-30 * 3600), acknowledgedAt: Self.now)
        var input = ScoreInput(openPorts: [22, 443, 3389].map { .init(host: host, port: $0) },
                               certificates: [.init(host: host, port: 443, notAfter: Self.now.addingTimeInterval(10 * 86_400))],
                               alerts: [alert], targets: [Self.fresh], mfaEnabled: true, now: Self.now)
        let before = ScoreRules.score(input)
        #expect(before.categories.map(\.score) == [82, 85, 90, 100])
        #expect(before.score == 88 && before.grade == "B")
        input.openPorts.removeAll { $0.port == 3389 }
        input.alerts[0].resolvedAt = Self.now
        let after = ScoreRules.score(input)
        #expect(after.score == 96 && after.grade == "A")
    }
}
