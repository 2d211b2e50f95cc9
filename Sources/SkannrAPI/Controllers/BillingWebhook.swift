// POST /billing/webhook: Stripe's signed events. The signature is checked over the raw body
// (400 otherwise); the event id is recorded in stripe_events in the same transaction that applies
// it, so a redelivery is a 200 no-op. Events may arrive in any order: the subscription object's own
// state decides, and an event older than the last one applied (by `created`) changes nothing.
// invoice.* events carry no subscription state: the subscription is fetched from Stripe first
// (outside the transaction); if Stripe is down the answer is 502 and Stripe delivers again.
import Billing
import FastCGI
import Foundation
import SkannrStore

enum BillingWebhook {
    static let subscriptionEvents: Set<String> = [
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
    ]
    static let invoiceEvents: Set<String> = ["invoice.paid", "invoice.payment_failed"]

    static func handle(_ context: RequestContext) throws -> Response {
        let services = context.services
        guard let secret = services.configuration.stripe.webhookSecret, !secret.isEmpty else {
            throw BillingSupport.apiError(.notConfigured("SKANNR_STRIPE_WEBHOOK_SECRET is not set"), services: services)
        }
        let verifier = WebhookVerifier(secret: secret, toleranceSeconds: Int64(services.configuration.stripe.webhookToleranceSeconds))
        do {
            try verifier.verify(payload: context.request.body, header: context.request.header("stripe-signature"), now: context.now)
        } catch {
            throw APIError(.badRequest, "The Stripe-Signature header does not verify (\(error))")
        }
        let event: StripeEvent
        do { event = try StripeEvent(json: context.request.body) } catch {
            throw APIError(.badRequest, "The body is not a Stripe event")
        }
        let database = try services.database()
        let store = BillingStore(database)
        if try store.hasEvent(id: event.id) { return try received(event, duplicate: true) }

        var fetched: StripeSubscription?
        if invoiceEvents.contains(event.type) {
            let invoice = try decode(event, StripeInvoice.self)
            if let id = invoice.subscriptionID {
                let client = try BillingSupport.client(services)
                fetched = try BillingSupport.stripe(services) { () throws(StripeError) in try client.retrieveSubscription(id) }
            }
        }
        let now = context.now
        let fresh = try database.transaction { _ throws -> Bool in
            guard try store.recordEvent(id: event.id, type: event.type, now: now) else { return false }
            if event.type == "checkout.session.completed" {
                try linkCheckout(try decode(event, StripeCheckoutSession.self), store: store, services: services, now: now)
            } else if subscriptionEvents.contains(event.type) {
                try apply(try decode(event, StripeSubscription.self), event: event, store: store, services: services, now: now)
            } else if let fetched {
                try apply(fetched, event: event, store: store, services: services, now: now)
            }
            return true
        }
        return try received(event, duplicate: !fresh)
    }

    static func linkCheckout(_ session: StripeCheckoutSession, store: BillingStore, services: Services, now: Date) throws {
        guard let customer = session.customer?.id else { return }
        var account = session.clientReferenceId.flatMap(Int64.init)
        if let candidate = account, try !store.accountExists(candidate) { account = nil }
        if account == nil { account = try store.accountID(forCustomer: customer) }
        guard let account else {
            services.logger.warning("checkout for an unknown account", metadata: ["session": "\(session.id)"])
            return
        }
        try store.linkCheckout(accountID: account, customerID: customer, subscriptionID: session.subscription?.id, now: now)
    }

    static func apply(_ subscription: StripeSubscription, event: StripeEvent, store: BillingStore, services: Services, now: Date) throws {
        var account = try store.accountID(forSubscription: subscription.id)
        if account == nil { account = try store.accountID(forCustomer: subscription.customer.id) }
        if account == nil, let fromMetadata = subscription.metadata?["account_id"].flatMap(Int64.init),
           try store.accountExists(fromMetadata) {
            account = fromMetadata
        }
        guard let account else {
            services.logger.warning("subscription event for an unknown account", metadata: ["event": "\(event.id)"])
            return
        }
        let outcome = try BillingSupport.apply(subscription, accountID: account, eventAt: event.createdAt, store: store,
                                               services: services, now: now)
        if outcome == .stale {
            services.logger.info("stale subscription event ignored", metadata: ["event": "\(event.id)", "account_id": "\(account)"])
        }
    }

    static func decode<T: Decodable>(_ event: StripeEvent, _ type: T.Type) throws(APIError) -> T {
        do { return try event.object(type) } catch {
            throw APIError(.badRequest, "The \(event.type) event does not carry a readable object")
        }
    }

    static func received(_ event: StripeEvent, duplicate: Bool) throws -> Response {
        try .json(200, ["received": true, "duplicate": duplicate])
    }
}
