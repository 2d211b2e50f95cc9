// Alert severities, ordered info < low < medium < high < critical.
public enum Severity: String, CaseIterable, Sendable, Codable, Comparable {
    case info, low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
