// Which plan a Stripe subscription grants, and which of two states of one subscription is newer.
// Pure rules, so the webhook and change-plan agree. Stripe's statuses only move forward:
// `incomplete` is the first status and never comes back; `canceled` and `incomplete_expired` are
// final. So a state read earlier (an `incomplete` answer that reached the database late) can be
// told from a later one even when both carry the same second.
import Foundation
import SkannrCore

public enum SubscriptionRules {
    /// Statuses under which the subscription's plan is in force (past_due: during the grace period,
    /// enforced when limits are read).
    public static let grantingStatuses: Set<String> = ["active", "trialing", "past_due"]
    /// Statuses that count as "has a subscription" for checkout's 409.
    public static let liveStatuses: Set<String> = ["active", "trialing", "past_due", "unpaid", "paused"]
    /// Statuses a subscription never leaves.
    public static let finalStatuses: Set<String> = ["canceled", "incomplete_expired"]

    /// The plan the subscription grants, or free when its status grants nothing. `pricePlan` nil
    /// (a price this configuration does not know) keeps `currentPlan`.
    public static func grantedPlan(status: String, pricePlan: Plan?, currentPlan: Plan) -> Plan {
        guard grantingStatuses.contains(status) else { return .free }
        return pricePlan ?? currentPlan
    }

    /// Whether a state of a subscription with status `incoming` may replace the stored state of
    /// the same subscription (`stored`; `none` before any). False when `incoming` must be older.
    public static func mayReplace(stored: String, with incoming: String) -> Bool {
        if stored == incoming || stored == "none" { return true }
        if finalStatuses.contains(stored) { return false }
        return incoming != "incomplete"
    }
}
