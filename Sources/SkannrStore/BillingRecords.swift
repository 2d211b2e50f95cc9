// Values the billing store reads and writes: the account's Stripe side as stored, and a
// subscription's state as Stripe confirmed it (from a webhook or an API answer).
import Foundation
import SkannrCore

public struct BillingRecord: Sendable, Equatable {
    public let accountID: Int64
    public let customerID: String
    public let subscriptionID: String?
    public let itemID: String?
    /// Stripe's subscription status, or `none` before any subscription.
    public let status: String
    /// The plan of the subscription's price (not necessarily in force: see users.plan).
    public let plan: Plan
    public let currentPeriodEnd: Date?
    public let cancelAtPeriodEnd: Bool
    /// When a scheduled cancellation takes effect (set by date, e.g. from the Customer Portal).
    public let cancelAt: Date?
    public let pastDueSince: Date?
    public let lastEventAt: Date?
    /// The account's last Checkout Session, its plan and when Stripe expires it.
    public let checkout: CheckoutRecord?

    /// A cancellation is scheduled, by either field.
    public var cancellationPending: Bool { cancelAtPeriodEnd || cancelAt != nil }
}

public struct CheckoutRecord: Sendable, Equatable {
    public let sessionID: String
    public let plan: Plan
    public let expiresAt: Date

    public init(sessionID: String, plan: Plan, expiresAt: Date) {
        self.sessionID = sessionID
        self.plan = plan
        self.expiresAt = expiresAt
    }
}

public struct SubscriptionSnapshot: Sendable, Equatable {
    public var subscriptionID: String
    public var customerID: String
    public var itemID: String?
    public var status: String
    /// The plan of the item's price; nil for a price the configuration does not know.
    public var pricePlan: Plan?
    public var currentPeriodEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var cancelAt: Date?

    public init(subscriptionID: String, customerID: String, itemID: String?, status: String, pricePlan: Plan?,
                currentPeriodEnd: Date?, cancelAtPeriodEnd: Bool, cancelAt: Date? = nil) {
        self.subscriptionID = subscriptionID
        self.customerID = customerID
        self.itemID = itemID
        self.status = status
        self.pricePlan = pricePlan
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.cancelAt = cancelAt
    }
}

/// What applying a snapshot did.
public enum ApplyOutcome: Sendable, Equatable {
    /// Written; the account's plan went from `from` to `to`; `enforcement` lists what the limits changed.
    case applied(from: Plan, to: Plan, enforcement: LimitEnforcement)
    /// Older than what is stored (observed before last_event_at, or a status the stored one can
    /// never go back to), or about a subscription that is no longer the account's: nothing written.
    case stale
    /// The account does not exist (deleted): nothing written.
    case unknownAccount
}

public struct LimitEnforcement: Sendable, Equatable {
    /// Targets disabled because the account has more than the plan allows (newest first).
    public var disabledTargetIDs: [Int64] = []
    /// Targets whose interval was raised to the plan's shortest.
    public var raisedIntervals = 0

    public init(disabledTargetIDs: [Int64] = [], raisedIntervals: Int = 0) {
        self.disabledTargetIDs = disabledTargetIDs
        self.raisedIntervals = raisedIntervals
    }
}
