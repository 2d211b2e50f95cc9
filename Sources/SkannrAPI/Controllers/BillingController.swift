// Billing endpoints (contract "Billing"): status, checkout, portal, change-plan; the webhook is in
// BillingWebhook.swift. Stripe is called first and the database written after, in one
// transaction, so a Stripe failure (502) leaves nothing half-written. The plan changes only from
// Stripe's confirmed answer (change-plan) or a verified webhook, never from the request itself.
import Billing
import FastCGI
import Foundation
import SkannrCore
import SkannrStore

enum BillingController {
    static func register(in router: inout Router) {
        router.authenticated("GET", "/billing/status") { context in
            try BillingSupport.status(accountID: context.accountID, store: BillingStore(try context.services.database()),
                                      services: context.services, now: context.now)
        }
        router.authenticated("POST", "/billing/checkout", checkout)
        router.authenticated("POST", "/billing/portal", portal)
        router.authenticated("POST", "/billing/change-plan", changePlan)
        router.open("POST", "/billing/webhook", BillingWebhook.handle)
    }

    static func readPlan(_ context: AuthenticatedContext, paidOnly: Bool) throws(APIError) -> Plan {
        var body = try context.body()
        let plan = body.enumValue("plan", Plan.self).value
        if plan == nil, body.problems["plan"] == nil { body.fail("plan", "is required") }
        if paidOnly, plan == .free { body.fail("plan", "must be pro or business") }
        try body.finish()
        return plan ?? .free
    }

    static func checkout(_ context: AuthenticatedContext) throws -> Response {
        let plan = try readPlan(context, paidOnly: true)
        let services = context.services
        let account = context.accountID
        let store = BillingStore(try services.database())
        let record = try store.record(accountID: account)
        if let record, SubscriptionRules.liveStatuses.contains(record.status) {
            throw APIError(.conflict, "The account already has a subscription (\(record.status)); use change-plan or the portal")
        }
        guard let price = services.configuration.stripe.price(for: plan) else {
            throw BillingSupport.apiError(.notConfigured("no price for \(plan.rawValue)"), services: services)
        }
        let client = try BillingSupport.client(services)
        var customer = record?.customerID
        if customer == nil {
            guard let contact = try store.accountContact(accountID: account) else { throw APIError(.unauthorized, "The account no longer exists") }
            let key = IdempotencyKey.derive(account: account, operation: "customer:" + contact.email)
            customer = try BillingSupport.stripe(services) { () throws(StripeError) in
                try client.createCustomer(accountID: account, email: contact.email, name: contact.name, idempotencyKey: key).id
            }
        }
        guard let customer else { throw APIError.internalError }
        let key = IdempotencyKey.derive(account: account, operation: "checkout:" + plan.rawValue, nonce: BillingSupport.nonce(context.request))
        let session = try BillingSupport.stripe(services) { () throws(StripeError) in
            try client.createCheckoutSession(accountID: account, customer: customer, price: price, idempotencyKey: key)
        }
        guard let url = session.url else { throw BillingSupport.apiError(.malformedResponse("session without url"), services: services) }
        if record == nil { try store.saveCustomer(accountID: account, customerID: customer, now: context.now) }
        return try .json(200, ["url": url, "session_id": session.id])
    }

    static func portal(_ context: AuthenticatedContext) throws -> Response {
        let services = context.services
        let store = BillingStore(try services.database())
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

    static func changePlan(_ context: AuthenticatedContext) throws -> Response {
        let plan = try readPlan(context, paidOnly: false)
        let services = context.services
        let account = context.accountID
        let database = try services.database()
        let store = BillingStore(database)
        guard let record = try store.record(accountID: account), let subscriptionID = record.subscriptionID,
              SubscriptionRules.liveStatuses.contains(record.status) else {
            throw APIError(.conflict, "The account has no subscription; start a checkout first")
        }
        let client = try BillingSupport.client(services)
        let nonce = BillingSupport.nonce(context.request)
        let confirmed: StripeSubscription?
        if plan == .free {
            let key = IdempotencyKey.derive(account: account, operation: "cancel:" + subscriptionID, nonce: nonce)
            confirmed = record.cancelAtPeriodEnd ? nil : try BillingSupport.stripe(services) { () throws(StripeError) in
                try client.cancelAtPeriodEnd(subscription: subscriptionID, idempotencyKey: key)
            }
        } else {
            guard let price = services.configuration.stripe.price(for: plan) else {
                throw BillingSupport.apiError(.notConfigured("no price for \(plan.rawValue)"), services: services)
            }
            let current = try BillingSupport.stripe(services) { () throws(StripeError) in try client.retrieveSubscription(subscriptionID) }
            guard let item = current.firstItem else {
                throw BillingSupport.apiError(.malformedResponse("subscription without items"), services: services)
            }
            if item.price.id == price, current.cancelAtPeriodEnd != true {
                confirmed = current
            } else {
                let key = IdempotencyKey.derive(account: account, operation: "change:\(subscriptionID):\(price)", nonce: nonce)
                confirmed = try BillingSupport.stripe(services) { () throws(StripeError) in
                    try client.changePrice(subscription: subscriptionID, item: item.id, price: price, idempotencyKey: key)
                }
            }
        }
        let now = context.now
        if let confirmed {
            // Stripe's `created` has whole seconds: an event of this same second must still apply.
            let eventAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
            try database.transaction { _ in
                try BillingSupport.apply(confirmed, accountID: account, eventAt: eventAt, store: store, services: services, now: now)
            }
        }
        return try BillingSupport.status(accountID: account, store: store, services: services, now: now)
    }
}
