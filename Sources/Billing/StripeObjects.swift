// The parts of Stripe's objects that Skannr reads, in the shapes of StripeAPI.version. Every other
// field is ignored; expandable references (`customer`, `subscription`) decode from either an id
// string or an object with `id`. Traps of this version: `current_period_end` is on the items only,
// an invoice names its subscription under `parent.subscription_details`, and a cancellation made in
// the Customer Portal may set `cancel_at` while `cancel_at_period_end` stays false.
import Foundation

public struct ExpandableID: Decodable, Sendable, Equatable {
    public let id: String

    public init(_ id: String) { self.id = id }

    public init(from decoder: Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            id = text
        } else {
            struct Object: Decodable { let id: String }
            id = try Object(from: decoder).id
        }
    }
}

public struct StripeCustomer: Decodable, Sendable { public let id: String }

public struct StripeCheckoutSession: Decodable, Sendable {
    public let id: String
    /// Only while the session is open.
    public let url: String?
    public let customer: ExpandableID?
    public let subscription: ExpandableID?
    public let clientReferenceId: String?
    public let mode: String?
    /// `open`, `complete` or `expired`.
    public let status: String?
    public let expiresAt: Int64?
}

public struct StripePortalSession: Decodable, Sendable {
    public let id: String
    public let url: String
}

public struct StripeSubscription: Decodable, Sendable {
    public struct Item: Decodable, Sendable {
        public struct Price: Decodable, Sendable { public let id: String }
        public let id: String
        public let price: Price
        public let currentPeriodEnd: Int64?
    }
    public struct Items: Decodable, Sendable { public let data: [Item] }

    public let id: String
    public let customer: ExpandableID
    public let status: String
    public let cancelAtPeriodEnd: Bool?
    /// When a scheduled cancellation takes effect (Customer Portal cancellations set only this).
    public let cancelAt: Int64?
    public let items: Items
    public let metadata: [String: String]?

    /// The period end of the subscription's first item.
    public var periodEnd: Int64? { items.data.first?.currentPeriodEnd }
    public var firstItem: Item? { items.data.first }
    /// A cancellation is scheduled, by either field.
    public var cancellationPending: Bool { cancelAtPeriodEnd == true || cancelAt != nil }
}

/// A subscription as Stripe answered it, stamped with Stripe's clock (the answer's `Date` header,
/// whole seconds), so states read at different times can be ordered without the local clock.
public struct ObservedSubscription: Sendable {
    public let subscription: StripeSubscription
    public let observedAt: Date

    public init(subscription: StripeSubscription, observedAt: Date) {
        self.subscription = subscription
        self.observedAt = observedAt
    }
}

public struct StripeInvoice: Decodable, Sendable {
    public struct Parent: Decodable, Sendable {
        public struct SubscriptionDetails: Decodable, Sendable { public let subscription: ExpandableID? }
        public let subscriptionDetails: SubscriptionDetails?
    }
    public let id: String
    public let customer: ExpandableID?
    public let parent: Parent?

    /// The subscription this invoice belongs to (`parent.subscription_details.subscription`).
    public var subscriptionID: String? { parent?.subscriptionDetails?.subscription?.id }
}

/// Only the id of an event's object (to fetch its current state from Stripe).
public struct StripeObjectID: Decodable, Sendable { public let id: String }

/// Stripe's error body: `{"error": {"type", "message", "param", "code"}}`.
struct StripeErrorBody: Decodable {
    struct Detail: Decodable {
        let type: String?
        let message: String?
        let param: String?
        let code: String?
    }
    let error: Detail
}
