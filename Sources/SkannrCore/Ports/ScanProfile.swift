// The scan profiles of the contract: quick = top 100 TCP ports, standard = top 1,000,
// full = 1-65535, custom = the target's own port list.
public enum ScanProfile: String, CaseIterable, Sendable, Codable, Comparable {
    case quick, standard, full, custom

    public static func < (lhs: ScanProfile, rhs: ScanProfile) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
