// The pinned API version's shapes and rules Skannr applies to them: which of two states of one
// subscription is newer, a scheduled cancellation by either field and how it is cleared, the
// portal's "not configured" answer, Stripe's clock from the Date header.
import Billing
import Foundation
import Testing

@Suite("Stripe behaviour")
struct StripeBehaviourTests {
    static func subscription(status: String = "active", cancelAtPeriodEnd: Bool = false, cancelAt: Int64? = nil) throws -> StripeSubscription {
        let cancelAtJSON = cancelAt.map(String.init) ?? "null"
        let json = #"{"id":"sub_1","object":"subscription","customer":"cus_1","status":"\#(status)","cancel_at_period_end":\#(cancelAtPeriodEnd),"cancel_at":\#(cancelAtJSON),"items":{"object":"list","data":[{"id":"si_1","price":{"id":"price_pro"},"current_period_end":1802592001}]},"metadata":{}}"#
        return try JSONDecoder.stripe.decode(StripeSubscription.self, from: Data(json.utf8))
    }

    @Test("an incomplete state never replaces a later status of the same subscription; final statuses stay final")
    func statusOrder() {
        for later in ["active", "trialing", "past_due", "unpaid", "paused", "canceled", "incomplete_expired"] {
            #expect(!SubscriptionRules.mayReplace(stored: later, with: "incomplete"), "incomplete after \(later)")
        }
        #expect(SubscriptionRules.mayReplace(stored: "none", with: "incomplete"))
        #expect(SubscriptionRules.mayReplace(stored: "incomplete", with: "incomplete"))
        #expect(SubscriptionRules.mayReplace(stored: "incomplete", with: "active"))
        #expect(SubscriptionRules.mayReplace(stored: "active", with: "past_due"))
        #expect(SubscriptionRules.mayReplace(stored: "past_due", with: "active"))
        #expect(SubscriptionRules.mayReplace(stored: "active", with: "canceled"))
        #expect(!SubscriptionRules.mayReplace(stored: "canceled", with: "active"))
        #expect(!SubscriptionRules.mayReplace(stored: "incomplete_expired", with: "active"))
    }

    @Test("a portal cancellation by cancel_at alone is a pending cancellation, cleared with cancel_at=")
    func cancelAt() throws {
        let byDate = try Self.subscription(cancelAt: 1_802_592_001)
        #expect(byDate.cancelAt == 1_802_592_001 && byDate.cancelAtPeriodEnd == false && byDate.cancellationPending)
        #expect(FormEncoding.encode(StripeClient.clearingCancellation(byDate)) == "cancel_at=")

        let atPeriodEnd = try Self.subscription(cancelAtPeriodEnd: true, cancelAt: 1_802_592_001)
        #expect(atPeriodEnd.cancellationPending)
        #expect(FormEncoding.encode(StripeClient.clearingCancellation(atPeriodEnd)) == "cancel_at_period_end=false")

        let none = try Self.subscription()
        #expect(!none.cancellationPending && StripeClient.clearingCancellation(none).isEmpty)
        #expect(none.periodEnd == 1_802_592_001, "the period end is read from the item")
    }

    @Test("Stripe's 400 for a portal without a saved default configuration is told apart from other refusals")
    func portalNotConfigured() {
        let message = "No configuration provided and your test mode default configuration has not been created. Provide a configuration or create your default by saving your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal."
        #expect(StripeError.rejected(status: 400, type: "invalid_request_error", message: message, param: nil, code: nil).isPortalNotConfigured)
        #expect(StripeError.rejected(status: 400, type: "invalid_request_error", message: "Invalid", param: "configuration", code: nil).isPortalNotConfigured)
        #expect(!StripeError.rejected(status: 400, type: "invalid_request_error", message: "No such customer: 'cus_1'", param: "customer", code: "resource_missing").isPortalNotConfigured)
        #expect(!StripeError.unavailable("HTTP 500").isPortalNotConfigured)
    }

    @Test("Stripe's clock is read from an HTTP Date header to the second; anything else is no date")
    func httpDate() {
        #expect(StripeClient.httpDate("Wed, 02 Dec 2026 06:40:33 GMT") == Date(timeIntervalSince1970: 1_796_193_633))
        #expect(StripeClient.httpDate("yesterday") == nil)
    }

    @Test("an event states the API version it is shaped by; the six event types are pinned with the version")
    func eventVersion() throws {
        let json = #"{"id":"evt_1","object":"event","api_version":"2026-10-28.endive","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","parent":{"type":"subscription_details","subscription_details":{"subscription":"sub_9"}}}}}"#
        let event = try StripeEvent(json: Array(json.utf8))
        #expect(event.apiVersion == StripeAPI.version)
        #expect(try event.object(StripeInvoice.self).subscriptionID == "sub_9")
        #expect(StripeAPI.webhookEventTypes.count == 6 && Set(StripeAPI.webhookEventTypes).count == 6)
    }
}

extension JSONDecoder {
    static var stripe: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
