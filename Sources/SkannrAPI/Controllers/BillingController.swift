// Billing endpoints (contract "Billing"): status, checkout, portal, change-plan; the webhook is in
// BillingWebhook.swift. Every write follows Stripe's confirmed answer, so a Stripe failure (502)
// leaves nothing half-written (at most a customer Stripe did create is stored). The plan changes
// only from Stripe's confirmed answer (change-plan) or a verified webhook, never from the request.
// Traps: an unconfigured Customer Portal is Stripe's 400, answered 503 with what to do; checkout
// reuses the open session so a user cannot pay for two subscriptions.
import Billing
import Foundation
import SkannrCore
import SkannrStore
import HTTPMessage

enum BillingController {
    static func status(_ context: AuthenticatedContext) throws -> APIResponse {
        try BillingSupport.status(accountID: context.accountID, store: try context.services.stores().billing,
                                  services: context.services, now: context.now)
    }

    static func readPlan(_ context: AuthenticatedContext, paidOnly: Bool) throws(APIError) -> Plan {
        var body = try context.body()
        let plan = body.enumValue("plan", Plan.self).value
        if plan == nil, body.problems["plan"] == nil { body.fail("plan", "is required") }
        if paidOnly, plan == .free { body.fail("plan", "must be pro or business") }
        try body.finish()
        return plan ?? .free
    }

    /// Reuses the account's open Checkout Session for the same plan (a second tab, a double click,
    /// the back button) rather than letting the user pay for two subscriptions; a session completed
    /// whose webhooks have not arrived yet is a 409.
    static func checkout(_ context: AuthenticatedContext) throws -> APIResponse {
        let plan = try readPlan(context, paidOnly: true)
        let services = context.services
        let account = context.accountID
        let store = try services.stores().billing
        let record = try store.record(accountID: account)
        if let record, SubscriptionRules.liveStatuses.contains(record.status) {
            throw APIError(.conflict, "The account already has a subscription (\(record.status)); use change-plan or the portal")
        }
        guard let price = services.configuration.stripe.price(for: plan) else {
            throw BillingSupport.apiError(.notConfigured("no price for \(plan.rawValue)"), services: services)
        }
        let client = try BillingSupport.client(services)
        if let record, let previous = record.checkout, previous.expiresAt > context.now.addingTimeInterval(60) {
            let session = try BillingSupport.stripe(services) { () throws(StripeError) in try client.retrieveCheckoutSession(previous.sessionID) }
            if session.status == "open", previous.plan == plan, let url = session.url {
                return try .json(200, ["url": url, "session_id": session.id])
            }
            if session.status == "open" {
                let key = IdempotencyKey.derive(account: account, operation: "expire:" + session.id)
                try BillingSupport.stripe(services) { () throws(StripeError) in try client.expireCheckoutSession(session.id, idempotencyKey: key) }
            }
            if session.status == "complete", !SubscriptionRules.finalStatuses.contains(record.status) {
                throw APIError(.conflict, "A checkout was just completed; the subscription is being set up")
            }
        }
        let customer = try record?.customerID ?? createCustomer(context, store: store, client: client)
        // Derived from the last session rather than the request: two quick requests for one plan
        // get Stripe's one answer, and each new session starts a new key.
        let key = IdempotencyKey.derive(account: account, operation: "checkout:\(plan.rawValue):\(customer)",
                                        nonce: record?.checkout?.sessionID ?? "first")
        let session = try BillingSupport.stripe(services) { () throws(StripeError) in
            try client.createCheckoutSession(accountID: account, customer: customer, price: price, idempotencyKey: key)
        }
        guard let url = session.url else { throw BillingSupport.apiError(.malformedResponse("session without url"), services: services) }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(session.expiresAt ?? Int64(context.now.timeIntervalSince1970) + 86_400))
        try store.saveCheckout(accountID: account, CheckoutRecord(sessionID: session.id, plan: plan, expiresAt: expiresAt), now: context.now)
        return try .json(200, ["url": url, "session_id": session.id])
    }

    /// The account's Stripe customer. Its Idempotency-Key depends on the account alone and its
    /// parameters never change, so a retry after a failed save replays the same customer even after
    /// a rename; the email and name are set by a separate update, before the customer is stored.
    static func createCustomer(_ context: AuthenticatedContext, store: BillingStore, client: StripeClient) throws -> String {
        let services = context.services
        let account = context.accountID
        guard let contact = try store.accountContact(accountID: account) else { throw APIError(.unauthorized, "The account no longer exists") }
        let customer = try BillingSupport.stripe(services) { () throws(StripeError) in
            try client.createCustomer(accountID: account, idempotencyKey: IdempotencyKey.derive(account: account, operation: "customer")).id
        }
        let key = IdempotencyKey.derive(account: account, operation: "contact:" + customer, nonce: BillingSupport.nonce(context.request))
        try BillingSupport.stripe(services) { () throws(StripeError) in
            try client.updateCustomerContact(customer: customer, email: contact.email, name: contact.name, idempotencyKey: key)
        }
        return try store.saveCustomer(accountID: account, customerID: customer, now: context.now)
    }

    static func portal(_ context: AuthenticatedContext) throws -> APIResponse {
        let services = context.services
        let store = try services.stores().billing
        guard let record = try store.record(accountID: context.accountID) else {
            throw APIError(.conflict, "The account has no Stripe customer yet; start a checkout first")
        }
        let client = try BillingSupport.client(services)
        let key = IdempotencyKey.derive(account: context.accountID, operation: "portal", nonce: BillingSupport.nonce(context.request))
        let session = try BillingSupport.stripe(services) { () throws(StripeError) in
            try client.createPortalSession(customer: record.customerID, idempotencyKey: key)
        }
        return try .json(200, ["url": session.url])
    }

    static func changePlan(_ context: AuthenticatedContext) throws -> APIResponse {
        let plan = try readPlan(context, paidOnly: false)
        let services = context.services
        let account = context.accountID
        let stores = try services.stores()
        let store = stores.billing
        guard let record = try store.record(accountID: account), let subscriptionID = record.subscriptionID,
              SubscriptionRules.liveStatuses.contains(record.status) else {
            throw APIError(.conflict, "The account has no subscription; start a checkout first")
        }
        let client = try BillingSupport.client(services)
        let nonce = BillingSupport.nonce(context.request)
        let confirmed: ObservedSubscription?
        if plan == .free {
            let key = IdempotencyKey.derive(account: account, operation: "cancel:" + subscriptionID, nonce: nonce)
            confirmed = record.cancellationPending ? nil : try BillingSupport.stripe(services) { () throws(StripeError) in
                try client.cancelAtPeriodEnd(subscription: subscriptionID, idempotencyKey: key)
            }
        } else {
            guard let price = services.configuration.stripe.price(for: plan) else {
                throw BillingSupport.apiError(.notConfigured("no price for \(plan.rawValue)"), services: services)
            }
            let current = try BillingSupport.stripe(services) { () throws(StripeError) in try client.retrieveSubscription(subscriptionID) }
            guard let item = current.subscription.firstItem else {
                throw BillingSupport.apiError(.malformedResponse("subscription without items"), services: services)
            }
            if item.price.id == price, !current.subscription.cancellationPending {
                confirmed = current
            } else {
                let key = IdempotencyKey.derive(account: account, operation: "change:\(subscriptionID):\(price)", nonce: nonce)
                confirmed = try BillingSupport.stripe(services) { () throws(StripeError) in
                    try client.changePrice(current.subscription, item: item.id, price: price, idempotencyKey: key)
                }
            }
        }
        let now = context.now
        if let confirmed {
            // Ordered by Stripe's clock (its answer's Date), the clock its events' states are read by.
            try stores.transaction { _ in
                try BillingSupport.apply(confirmed, accountID: account, store: store, services: services, now: now)
            }
        }
        return try BillingSupport.status(accountID: account, store: store, services: services, now: now)
    }
}
