// POST /billing/webhook: Stripe's signed events. The signature is checked over the raw body
// (400 otherwise); the event id is recorded in stripe_events in the same transaction that applies
// it, so a redelivery is a 200 no-op. Events arrive in any order, often several in one second
// (Checkout: session completed, subscription created `incomplete`, updated `active`, invoice paid),
// so no payload is applied: every subscription, invoice and checkout event fetches the
// subscription's current state from Stripe first (outside the transaction; Stripe down -> 502 and
// Stripe delivers again), and that state is ordered by Stripe's clock when read and by
// SubscriptionRules.mayReplace, never by arrival.
import Billing
import Foundation
import SkannrStore
import HTTPMessage

enum BillingWebhook {
    static let subscriptionEvents: Set<String> = [
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
    ]
    static let invoiceEvents: Set<String> = ["invoice.paid", "invoice.payment_failed"]
    static func handle(_ context: RequestContext) throws -> APIResponse {
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
        if let version = event.apiVersion, version != StripeAPI.version {
            services.logger.warning("webhook endpoint speaks another Stripe API version", metadata: [
                "event": "\(event.id)", "endpoint_version": "\(version)", "expected": "\(StripeAPI.version)",
            ])
        }
        let stores = try services.stores()
        let store = stores.billing
        if try store.hasEvent(id: event.id) { return try received(event, duplicate: true) }

        var session: StripeCheckoutSession?
        if event.type == "checkout.session.completed" { session = try decode(event, StripeCheckoutSession.self) }
        var fetched: ObservedSubscription?
        if let id = try subscriptionID(of: event, session: session) {
            fetched = try fetch(id, event: event, services: services)
        }
        let now = context.now
        let fresh = try stores.transaction { _ throws -> Bool in
            guard try store.recordEvent(id: event.id, type: event.type, now: now) else { return false }
            if let session { try linkCheckout(session, store: store, services: services, now: now) }
            if let fetched { try apply(fetched, event: event, store: store, services: services, now: now) }
            return true
        }
        return try received(event, duplicate: !fresh)
    }

    /// The subscription's current state. One Stripe does not know (a sample event, another
    /// account's object) is recorded and ignored: a 502 would only make Stripe retry for days.
    static func fetch(_ id: String, event: StripeEvent, services: Services) throws(APIError) -> ObservedSubscription? {
        let client = try BillingSupport.client(services)
        do {
            return try client.retrieveSubscription(id)
        } catch .rejected(404, _, _, _, _) {
            services.logger.warning("event about a subscription Stripe does not know", metadata: ["event": "\(event.id)"])
            return nil
        } catch {
            throw BillingSupport.apiError(error, services: services)
        }
    }

    /// The subscription an event is about, or nil for events Skannr only records.
    static func subscriptionID(of event: StripeEvent, session: StripeCheckoutSession?) throws(APIError) -> String? {
        if subscriptionEvents.contains(event.type) { return try decode(event, StripeObjectID.self).id }
        if invoiceEvents.contains(event.type) { return try decode(event, StripeInvoice.self).subscriptionID }
        return session?.subscription?.id
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

    static func apply(_ observed: ObservedSubscription, event: StripeEvent, store: BillingStore, services: Services, now: Date) throws {
        let subscription = observed.subscription
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
        let outcome = try BillingSupport.apply(observed, accountID: account, store: store, services: services, now: now)
        if outcome == .stale {
            services.logger.info("stale subscription event ignored", metadata: ["event": "\(event.id)", "account_id": "\(account)"])
        }
    }

    static func decode<T: Decodable>(_ event: StripeEvent, _ type: T.Type) throws(APIError) -> T {
        do { return try event.object(type) } catch {
            throw APIError(.badRequest, "The \(event.type) event does not carry a readable object")
        }
    }

    static func received(_ event: StripeEvent, duplicate: Bool) throws -> APIResponse {
        try .json(200, ["received": true, "duplicate": duplicate])
    }
}
