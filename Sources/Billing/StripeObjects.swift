// The parts of Stripe's objects that Skannr reads. Every other field is ignored; expandable
// references (`customer`, `subscription`) decode from either an id string or an object with `id`.
// `current_period_end` moved from the subscription to its items in API 2025-03-31: both are read.

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
    public let url: String?
    public let customer: ExpandableID?
    public let subscription: ExpandableID?
    public let clientReferenceId: String?
    public let mode: String?
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
    public let currentPeriodEnd: Int64?
    public let items: Items
    public let metadata: [String: String]?

    /// The period end of the subscription, or of its first item (newer API versions).
    public var periodEnd: Int64? { currentPeriodEnd ?? items.data.first?.currentPeriodEnd }
    public var firstItem: Item? { items.data.first }
}

public struct StripeInvoice: Decodable, Sendable {
    public struct Parent: Decodable, Sendable {
        public struct SubscriptionDetails: Decodable, Sendable { public let subscription: ExpandableID? }
        public let subscriptionDetails: SubscriptionDetails?
    }
    public let id: String
    public let customer: ExpandableID?
    public let subscription: ExpandableID?
    public let parent: Parent?

    /// The subscription this invoice belongs to (top-level field, or `parent.subscription_details`).
    public var subscriptionID: String? { subscription?.id ?? parent?.subscriptionDetails?.subscription?.id }
}

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
