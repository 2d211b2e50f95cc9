// Reading Stripe's JSON in the pinned version's shapes: events, expandable references, the period
// end on the item, an invoice's subscription under parent; idempotency keys are stable and distinct.
import Billing
import Foundation
import Testing

@Suite("Stripe objects")
struct StripeObjectTests {
    @Test("a subscription event decodes with its status, price and period end")
    func subscriptionEvent() throws {
        let json = #"{"id":"evt_9","object":"event","type":"customer.subscription.updated","created":1700000001,"data":{"object":{"id":"sub_1","object":"subscription","customer":"cus_1","status":"past_due","cancel_at_period_end":true,"items":{"object":"list","data":[{"id":"si_1","price":{"id":"price_pro","unit_amount":900},"current_period_end":1702592001}]},"metadata":{"account_id":"7"}}}}"#
        let event = try StripeEvent(json: Array(json.utf8))
        #expect(event.id == "evt_9" && event.type == "customer.subscription.updated" && event.created == 1_700_000_001)
        let subscription = try event.object(StripeSubscription.self)
        #expect(subscription.status == "past_due")
        #expect(subscription.customer.id == "cus_1")
        #expect(subscription.firstItem?.price.id == "price_pro")
        #expect(subscription.periodEnd == 1_702_592_001)
        #expect(subscription.cancelAtPeriodEnd == true)
        #expect(subscription.metadata?["account_id"] == "7")
    }

    @Test("an expanded customer object and an invoice's parent subscription are read")
    func expandable() throws {
        let json = #"{"id":"evt_2","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","customer":{"id":"cus_2","object":"customer"},"parent":{"subscription_details":{"subscription":"sub_2"}}}}}"#
        let invoice = try StripeEvent(json: Array(json.utf8)).object(StripeInvoice.self)
        #expect(invoice.customer?.id == "cus_2")
        #expect(invoice.subscriptionID == "sub_2")
    }

    @Test("a body that is not an event is refused")
    func notAnEvent() {
        #expect(throws: StripeEvent.ParseError.self) { try StripeEvent(json: Array(#"{"id":"evt_1"}"#.utf8)) }
        #expect(throws: StripeEvent.ParseError.self) { try StripeEvent(json: Array("not json".utf8)) }
    }

    @Test("idempotency keys are deterministic per account, operation and nonce")
    func idempotencyKeys() {
        let a = IdempotencyKey.derive(account: 7, operation: "checkout:pro", nonce: "r1")
        #expect(a == IdempotencyKey.derive(account: 7, operation: "checkout:pro", nonce: "r1"))
        #expect(a != IdempotencyKey.derive(account: 8, operation: "checkout:pro", nonce: "r1"))
        #expect(a != IdempotencyKey.derive(account: 7, operation: "checkout:business", nonce: "r1"))
        #expect(a != IdempotencyKey.derive(account: 7, operation: "checkout:pro", nonce: "r2"))
        #expect(a.hasPrefix("skannr-") && a.count == 39)
    }

    @Test("a subscription's status decides whether its price's plan is granted")
    func grantedPlans() {
        #expect(SubscriptionRules.grantedPlan(status: "active", pricePlan: .pro, currentPlan: .free) == .pro)
        #expect(SubscriptionRules.grantedPlan(status: "past_due", pricePlan: .business, currentPlan: .business) == .business)
        #expect(SubscriptionRules.grantedPlan(status: "canceled", pricePlan: .pro, currentPlan: .pro) == .free)
        #expect(SubscriptionRules.grantedPlan(status: "active", pricePlan: nil, currentPlan: .pro) == .pro)
    }
}
