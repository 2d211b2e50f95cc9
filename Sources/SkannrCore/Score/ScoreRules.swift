// The security score (docs/score.md has the formula and a worked example). Four categories start
// at 100 and lose points per finding (floored at 0); the total is the weighted mean, rounded half
// up. Grades: A >= 90, B >= 80, C >= 70, D >= 60, else F (exactly 90 is an A).
// No targets: exposure, tls and response stay 100 and coverage is 0 ("-100: no targets are
// monitored"), so an empty account scores 80 (B) and is told why.
import Foundation

public enum ScoreRules {
    public static let weights = (exposure: 40, tls: 20, response: 20, coverage: 20)

    static let exposurePoints: [Severity: Int] = [.critical: 15, .high: 8, .medium: 3]
    static let responseDeadline: [Severity: (hours: Double, points: Int)] = [
        .critical: (24, 20), .high: (72, 10), .medium: (168, 5),
    ]

    public static func grade(for score: Int) -> String {
        switch score {
        case 90...: "A"
        case 80..<90: "B"
        case 70..<80: "C"
        case 60..<70: "D"
        default: "F"
        }
    }

    public static func score(_ input: ScoreInput) -> SecurityScore {
        let categories = [
            category("exposure", "Exposure", weights.exposure, exposure(input)),
            category("tls", "TLS certificates", weights.tls, tls(input)),
            category("response", "Alert response", weights.response, response(input)),
            category("coverage", "Coverage", weights.coverage, coverage(input)),
        ]
        let weighted = categories.reduce(0) { $0 + $1.score * $1.weight }
        let total = categories.reduce(0) { $0 + $1.weight }
        let score = (weighted * 2 + total) / (total * 2)
        return SecurityScore(score: score, grade: grade(for: score), categories: categories)
    }

    typealias Deduction = (points: Int, text: String)

    private static func category(_ key: String, _ name: String, _ weight: Int, _ deductions: [Deduction]) -> ScoreCategory {
        let lost = deductions.reduce(0) { $0 + $1.points }
        return ScoreCategory(key: key, name: name, score: max(0, 100 - lost), weight: weight,
                             details: deductions.map { "-\($0.points): \($0.text)" })
    }

    static func exposure(_ input: ScoreInput) -> [Deduction] {
        input.openPorts.sorted { ($0.host, $0.port) < ($1.host, $1.port) }.compactMap { open in
            let risk = ServiceRisk.of(port: open.port)
            guard let points = exposurePoints[open.severity ?? risk.severity] else { return nil }
            if open.accepted { return (0, "\(open.port)/tcp (\(risk.label)) open on \(open.host) (accepted risk)") }
            return (points, "\(open.port)/tcp (\(risk.label)) open on \(open.host)")
        }
    }

    static func tls(_ input: ScoreInput) -> [Deduction] {
        var out: [Deduction] = []
        for cert in input.certificates.sorted(by: { ($0.host, $0.port) < ($1.host, $1.port) }) {
            let place = "certificate on \(cert.host):\(cert.port)"
            let left = cert.notAfter.timeIntervalSince(input.now)
            if left <= 0 { out.append((30, "\(place) has expired")) }
            else if left <= 14 * 86_400 { out.append((15, "\(place) expires within 14 days")) }
            else if left <= 30 * 86_400 { out.append((5, "\(place) expires within 30 days")) }
            if cert.selfSigned { out.append((10, "\(place) is self-signed")) }
            if let version = cert.version, ["TLSv1", "TLSv1.0", "TLSv1.1", "SSLv3"].contains(version) {
                out.append((10, "\(cert.host):\(cert.port) negotiates outdated \(version)"))
            }
        }
        return out
    }

    static func response(_ input: ScoreInput) -> [Deduction] {
        input.alerts.filter { $0.resolvedAt == nil }.sorted { $0.createdAt < $1.createdAt }.compactMap { alert in
            guard let rule = responseDeadline[alert.severity],
                  input.now.timeIntervalSince(alert.createdAt) > rule.hours * 3600 else { return nil }
            let acknowledged = alert.acknowledgedAt != nil
            let points = acknowledged ? rule.points / 2 : rule.points
            let state = acknowledged ? "acknowledged but unresolved" : "unhandled"
            return (points, "\(alert.severity.rawValue) alert \"\(alert.title)\" \(state) for over \(Int(rule.hours)) hours")
        }
    }

    static func coverage(_ input: ScoreInput) -> [Deduction] {
        var out: [Deduction] = []
        if input.targets.isEmpty { out.append((100, "no targets are monitored")) }
        for target in input.targets where target.enabled {
            guard let last = target.lastScanAt else {
                out.append((10, "\(target.address) has never been scanned"))
                continue
            }
            let age = input.now.timeIntervalSince(last)
            if let interval = target.intervalMinutes, age > Double(interval) * 2 * 60 {
                out.append((10, "\(target.address) not scanned within twice its \(interval)-minute interval"))
            } else if target.intervalMinutes == nil, age > 30 * 86_400 {
                out.append((5, "\(target.address) (on demand) not scanned for over 30 days"))
            }
        }
        if !input.mfaEnabled { out.append((20, "two-factor authentication (MFA) is off")) }
        return out
    }
}
