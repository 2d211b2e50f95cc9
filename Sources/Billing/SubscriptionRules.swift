// Which plan a Stripe subscription grants: its status decides whether it grants anything, its
// item's price decides which plan. Pure rules, so the webhook and change-plan agree.
import Foundation
import SkannrCore

public enum SubscriptionRules {
    /// Statuses under which the subscription's plan is in force (past_due: during the grace period,
    /// enforced when limits are read).
    public static let grantingStatuses: Set<String> = ["active", "trialing", "past_due"]
    /// Statuses that count as "has a subscription" for checkout's 409.
    public static let liveStatuses: Set<String> = ["active", "trialing", "past_due", "unpaid", "paused"]

    /// The plan the subscription grants, or free when its status grants nothing. `pricePlan` nil
    /// (a price this configuration does not know) keeps `currentPlan`.
    public static func grantedPlan(status: String, pricePlan: Plan?, currentPlan: Plan) -> Plan {
        guard grantingStatuses.contains(status) else { return .free }
        return pricePlan ?? currentPlan
    }
}
