// The subscription plans. A new account is on `free`; only billing changes an account's plan.
public enum Plan: String, CaseIterable, Sendable, Codable, Comparable {
    case free, pro, business

    public var displayName: String {
        switch self {
        case .free: "free"
        case .pro: "pro"
        case .business: "business"
        }
    }

    public static func < (lhs: Plan, rhs: Plan) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
