// Billing through nginx against the fake Stripe (Tests/Fixtures/fake_stripe.py): checkout, the
// signed webhooks it sends, plan changes and their effects on targets, redelivered and
// out-of-order events, and Stripe failing (500, hang) -> JSON 502 with nothing written.
// Serialized: the fake's fail mode is global.
import Foundation
import HTTPClient
import SkannrCrypto
import Testing
import TestSupport

@Suite("Billing through nginx", .serialized, .needsStack)
struct BillingEndToEndTests {
    @Test("checkout, webhook, upgrade, change to business, cancel at period end, deletion: limits follow, nothing deleted")
    func lifecycle() throws {
        let account = try BillingAccount.make()
        var status = try account.status()
        #expect(status.status == 200)
        #expect(status["plan"] as? String == "free" && status["status"] as? String == "none")
        #expect(status.json.object("limits")["max_targets"] as? Int == 3)
        #expect(status.json.keys.contains("current_period_end"))

        let (_, subscription, deliveries) = try account.subscribe("pro")
        #expect(deliveries.count == 4, "Checkout's four events")
        #expect(deliveries.allSatisfy { $0["status"] as? Int == 200 }, "webhooks accepted: \(deliveries)")
        status = try account.status()
        #expect(status["plan"] as? String == "pro")
        #expect(status["status"] as? String == "active")
        #expect(status["current_period_end"] is String)
        #expect(status.json.keys.contains("cancel_at") && status["cancel_at"] is NSNull)
        #expect(status.json.object("limits")["max_targets"] as? Int == 25)
        #expect(status.json.object("limits")["min_interval_minutes"] as? Int == 60)
        #expect(status.json.object("limits")["scan_profiles"] as? [String] == ["quick", "standard", "full", "custom"])
        #expect(try account.subscriptionRow()?["stripe_subscription_id"] == .text(subscription["id"] as? String ?? "?"))

        let again = try account.client.post("/billing/checkout", ["plan": "business"])
        #expect(again.status == 409 && again.code == "conflict")
        let portal = try account.client.post("/billing/portal")
        #expect(portal.status == 200 && (portal["url"] as? String)?.hasPrefix("https://billing.stripe.com/") == true)

        try account.addTargets(5, interval: 60)
        status = try account.client.post("/billing/change-plan", ["plan": "business"])
        #expect(status.status == 200, "\(status)")
        #expect(status["plan"] as? String == "business")
        #expect(status.json.object("limits")["max_targets"] as? Int == 250)
        #expect(status.json.object("usage")["targets"] as? Int == 5)
        let update = try FakeStripe.requests().last { ($0["path"] as? String)?.hasPrefix("/v1/subscriptions/") == true && $0["method"] as? String == "POST" }
        let updateBody = update?["body"] as? String ?? ""
        #expect(updateBody.contains("items[0][price]=price_skannr_business") && updateBody.contains("proration_behavior=create_prorations"))

        status = try account.client.post("/billing/change-plan", ["plan": "free"])
        #expect(status.status == 200)
        #expect(status["plan"] as? String == "business", "cancellation takes effect at period end")
        #expect(status["cancel_at_period_end"] as? Bool == true)
        #expect(try account.targets().allSatisfy { $0.enabled && $0.interval == 60 })

        let deleted = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.deleted", "subscription": subscription["id"] ?? ""])
        #expect(deleted.object("delivery")["status"] as? Int == 200, "\(deleted)")
        status = try account.status()
        #expect(status["plan"] as? String == "free" && status["status"] as? String == "none")
        #expect(status.json.object("limits")["max_targets"] as? Int == 3)
        let targets = try account.targets()
        #expect(targets.count == 5, "nothing deleted")
        #expect(targets.map(\.enabled) == [true, true, true, false, false], "the newest beyond the limit are disabled")
        #expect(targets.allSatisfy { $0.interval == 1440 })
        for target in targets {
            if let last = target.lastScan, let next = target.nextScan { #expect(next.timeIntervalSince(last) >= 1440 * 60 - 1) }
        }

        let posts = try FakeStripe.requests().filter { $0["method"] as? String == "POST" }
        #expect(!posts.isEmpty && posts.allSatisfy { ($0["idempotency_key"] as? String)?.hasPrefix("skannr-") == true })
        #expect(try FakeStripe.requests().allSatisfy { $0["authorized"] as? Bool == true || $0["fail_mode"] as? String != "off" })
    }

    @Test("a redelivered event is a 200 no-op and an old event after a newer one changes nothing")
    func redeliveryAndStaleEvents() throws {
        let account = try BillingAccount.make()
        let (_, subscription, deliveries) = try account.subscribe("pro")
        let subscriptionID = subscription["id"] as? String ?? ""
        let createdEvent = deliveries.last?["event_id"] as? String ?? ""
        let events = try TestStack.appDatabase().queryOne("SELECT COUNT(*) AS n FROM stripe_events")?.int("n")

        let later = Int(Date().timeIntervalSince1970) + 5
        let cancel = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.updated", "subscription": subscriptionID,
                                                                       "set": ["cancel_at_period_end": true], "created": later])
        #expect(cancel.object("delivery")["status"] as? Int == 200)
        #expect(try account.status()["cancel_at_period_end"] as? Bool == true)

        let redelivered = try FakeStripe.call("POST", "/_test/redeliver/\(createdEvent)")
        #expect(redelivered.object("delivery")["status"] as? Int == 200)
        #expect((redelivered.object("delivery")["body"] as? String)?.contains(#""duplicate":true"#) == true)

        let old = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.updated", "subscription": subscriptionID,
                                                                    "object": ["cancel_at_period_end": false, "status": "canceled"], "created": later - 60])
        #expect(old.object("delivery")["status"] as? Int == 200)
        let status = try account.status()
        #expect(status["plan"] as? String == "pro" && status["cancel_at_period_end"] as? Bool == true, "the old event was ignored")
        let after = try TestStack.appDatabase().queryOne("SELECT COUNT(*) AS n FROM stripe_events")?.int("n")
        #expect((after ?? 0) - (events ?? 0) >= 2, "each new event recorded once")
        #expect(try TestStack.appDatabase().queryOne("SELECT COUNT(*) AS n FROM stripe_events WHERE id = ?", [.text(createdEvent)])?.int("n") == 1)
    }

    @Test("subscription.updated before subscription.created: the newer state wins")
    func outOfOrder() throws {
        let account = try BillingAccount.make()
        let (_, subscription, deliveries) = try account.subscribe("business", events: [])
        #expect(deliveries.isEmpty)
        let subscriptionID = subscription["id"] as? String ?? ""
        let now = Int(Date().timeIntervalSince1970)
        let updated = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.updated", "subscription": subscriptionID, "created": now + 2])
        #expect(updated.object("delivery")["status"] as? Int == 200)
        let created = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.created", "subscription": subscriptionID,
                                                                        "object": ["status": "incomplete"], "created": now])
        #expect(created.object("delivery")["status"] as? Int == 200)
        let status = try account.status()
        #expect(status["plan"] as? String == "business" && status["status"] as? String == "active")
    }

    @Test("past_due keeps the plan during the grace period, then free limits apply; paying restores it")
    func pastDueGrace() throws {
        let account = try BillingAccount.make()
        let (_, subscription, _) = try account.subscribe("pro")
        let subscriptionID = subscription["id"] as? String ?? ""
        let failed = try FakeStripe.call("POST", "/_test/send_event", ["type": "invoice.payment_failed", "subscription": subscriptionID,
                                                                       "set": ["status": "past_due"]])
        #expect(failed.object("delivery")["status"] as? Int == 200, "\(failed)")
        var status = try account.status()
        #expect(status["plan"] as? String == "pro" && status["status"] as? String == "past_due")
        try TestStack.appDatabase().execute("UPDATE subscriptions SET past_due_since = UTC_TIMESTAMP(6) - INTERVAL 8 DAY WHERE user_id = ?", [.int(account.id)])
        status = try account.status()
        #expect(status["plan"] as? String == "free" && status["status"] as? String == "past_due")
        #expect(status.json.object("limits")["max_targets"] as? Int == 3)
        let paid = try FakeStripe.call("POST", "/_test/send_event", ["type": "invoice.paid", "subscription": subscriptionID,
                                                                     "set": ["status": "active"], "created": Int(Date().timeIntervalSince1970) + 1])
        #expect(paid.object("delivery")["status"] as? Int == 200)
        status = try account.status()
        #expect(status["plan"] as? String == "pro" && status["status"] as? String == "active")
        #expect(try account.subscriptionRow()?["past_due_since"] == .null)
    }

    @Test("Stripe answering 500 or hanging is a JSON 502 within the timeout, with nothing written")
    func stripeDown() throws {
        let account = try BillingAccount.make()
        defer { try? FakeStripe.setFailMode("off") }
        try FakeStripe.setFailMode("500")
        var response = try account.client.post("/billing/checkout", ["plan": "pro"])
        #expect(response.status == 502 && response.code == "unavailable")
        #expect((response["message"] as? String)?.contains("Stripe") == true)
        #expect(try account.subscriptionRow() == nil)

        try FakeStripe.setFailMode("hang")
        let started = Date()
        response = try account.client.post("/billing/checkout", ["plan": "pro"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(response.status == 502 && response.code == "unavailable")
        #expect((response["message"] as? String)?.contains("Stripe") == true)
        #expect(elapsed >= 1.5 && elapsed < 6, "answered after the 2 s Stripe timeout, not later (\(elapsed) s)")
        #expect(try account.subscriptionRow() == nil)

        try FakeStripe.setFailMode("off")
        let (_, _, _) = try account.subscribe("pro")
        try FakeStripe.setFailMode("500")
        response = try account.client.post("/billing/change-plan", ["plan": "business"])
        #expect(response.status == 502)
        try FakeStripe.setFailMode("off")
        let status = try account.status()
        #expect(status["plan"] as? String == "pro")
    }

    @Test("the webhook refuses bad signatures with 400 and the other endpoints need a token")
    func refusals() throws {
        _ = try FakeStripe.baseURL()
        let anonymous = try APIClient()
        let body = Array(#"{"id":"evt_forged","object":"event","type":"customer.subscription.deleted","created":1,"data":{"object":{}}}"#.utf8)
        let now = Int64(Date().timeIntervalSince1970)
        let wrong = WebhookSignatureHeader.make(secret: "whsec_wrong", body: body, timestamp: now)
        var response = try anonymous.call("POST", "/billing/webhook", raw: body, headers: [("Stripe-Signature", wrong)])
        #expect(response.status == 400 && response.code == "bad_request")
        let secret = TestStack.setting("SKANNR_STRIPE_WEBHOOK_SECRET") ?? ""
        let stale = WebhookSignatureHeader.make(secret: secret, body: body, timestamp: now - 400)
        response = try anonymous.call("POST", "/billing/webhook", raw: body, headers: [("Stripe-Signature", stale)])
        #expect(response.status == 400)
        response = try anonymous.call("POST", "/billing/webhook", raw: body)
        #expect(response.status == 400)
        #expect(try TestStack.appDatabase().queryOne("SELECT 1 AS one FROM stripe_events WHERE id = 'evt_forged'") == nil)
        #expect(try anonymous.get("/billing/status").status == 401)
        #expect(try anonymous.post("/billing/checkout", ["plan": "pro"]).status == 401)

        let account = try BillingAccount.make()
        #expect(try account.client.post("/billing/checkout", ["plan": "free"]).status == 400)
        #expect(try account.client.post("/billing/checkout", [:]).code == "validation_failed")
        #expect(try account.client.post("/billing/portal").status == 409)
        #expect(try account.client.post("/billing/change-plan", ["plan": "pro"]).status == 409)
    }
}

/// A Stripe-Signature header made here with SkannrCrypto (independent of the Billing module).
enum WebhookSignatureHeader {
    static func make(secret: String, body: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=" + Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body))
    }
}
