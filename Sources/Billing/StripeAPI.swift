// The one Stripe API version Skannr speaks, sent as `Stripe-Version` on every request, and the
// webhook event types the endpoint must subscribe to. Trap: the webhook endpoint in Stripe's
// dashboard has its own version; docs/deploy.md tells the operator to set it to this one. Shapes of
// this version: `current_period_end` on subscription items only, an invoice's subscription under
// `parent.subscription_details`, `cancel_at` set by portal cancellations.

public enum StripeAPI {
    /// Changing it means checking every object in StripeObjects.swift against the new version and
    /// moving Tests/Fixtures/fake_stripe.py's API_VERSION along.
    public static let version = "2026-10-28.endive"

    /// The events the webhook endpoint must be subscribed to (no more are needed).
    public static let webhookEventTypes = [
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    ]
}
