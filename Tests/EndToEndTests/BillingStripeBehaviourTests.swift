// Billing against Stripe's real behaviour, through nginx and the stand-in (issue 17): Checkout's
// four events of one second in random order (and an old `incomplete` read reaching the API last),
// the pinned API version, portal cancellations by `cancel_at`, an unconfigured portal, one open
// checkout at a time, a customer that survives renames, Stripe's clock on change-plan.
// Part of the serialized billing suite: the stand-in's portal and clock switches are global.
import Foundation
import HTTPClient
import MariaDB
import Testing
import TestSupport

extension BillingEndToEndTests {
    @Test("100 Checkouts whose four same-second events arrive in random order, some at once, all end on the paid plan")
    func randomOrderCheckouts() throws {
        var failures: [String] = []
        for run in 0..<100 {
            let account = try BillingAccount.make()
            let plan = run % 2 == 0 ? "pro" : "business"
            let early = Bool.random()
            let options: [String: Any] = ["concurrent": Bool.random(), "early_created": early, "slow_incomplete_ms": early ? 150 : 0]
            let (_, _, deliveries) = try account.subscribe(plan, options: options)
            let status = try account.status()
            if status["plan"] as? String != plan || status["status"] as? String != "active" || deliveries.count != 4
                || !deliveries.allSatisfy({ $0["status"] as? Int == 200 }) {
                failures.append("run \(run) \(options): \(status["plan"] ?? "-")/\(status["status"] ?? "-"), deliveries \(deliveries)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of 100 runs did not end on the paid plan: \(failures.prefix(3))")
    }

    @Test("an incomplete state read before the active one but applied after it does not take the plan away")
    func lateIncompleteRead() throws {
        let account = try BillingAccount.make()
        let (_, _, deliveries) = try account.subscribe("pro", events: ["customer.subscription.created", "customer.subscription.updated"],
                                                       options: ["early_created": true, "slow_incomplete_ms": 400])
        // order: created (read while incomplete, answered 400 ms late), then updated (active).
        #expect(deliveries.count == 2 && deliveries.allSatisfy { $0["status"] as? Int == 200 }, "\(deliveries)")
        let status = try account.status()
        #expect(status["plan"] as? String == "pro" && status["status"] as? String == "active")
    }

    @Test("every Stripe call carries the pinned Stripe-Version, the one the stand-in speaks")
    func pinnedVersion() throws {
        let account = try BillingAccount.make()
        _ = try account.subscribe("pro")
        _ = try account.client.post("/billing/change-plan", ["plan": "business"])
        let version = try FakeStripe.apiVersion()
        let calls = try FakeStripe.requests()
        #expect(!calls.isEmpty && version.hasPrefix("20"))
        let other = calls.filter { $0["stripe_version"] as? String != version }
        #expect(other.isEmpty, "calls without the pinned version: \(other.prefix(2))")
    }

    @Test("a cancellation made in the portal (cancel_at only) shows in status, and change-plan clears it")
    func portalCancellationByDate() throws {
        let account = try BillingAccount.make()
        let (_, subscription, _) = try account.subscribe("pro")
        let subscriptionID = subscription["id"] as? String ?? ""
        let items = (subscription.object("items")["data"] as? [[String: Any]]) ?? []
        let periodEnd = items.first?["current_period_end"] as? Int ?? 0
        let cancelled = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.updated", "subscription": subscriptionID,
                                                                          "set": ["cancel_at": periodEnd, "cancel_at_period_end": false]])
        #expect(cancelled.object("delivery")["status"] as? Int == 200)
        var status = try account.status()
        #expect(status["plan"] as? String == "pro" && status["cancel_at_period_end"] as? Bool == true)
        #expect(status["cancel_at"] as? String == status["current_period_end"] as? String && status["cancel_at"] is String)

        status = try account.client.post("/billing/change-plan", ["plan": "pro"])
        #expect(status.status == 200, "\(status)")
        let update = try FakeStripe.requests().last { $0["path"] as? String == "/v1/subscriptions/" + subscriptionID && $0["method"] as? String == "POST" }
        #expect((update?["body"] as? String)?.hasSuffix("&cancel_at=") == true, "\(update ?? [:])")
        #expect(status["cancel_at_period_end"] as? Bool == false && status["cancel_at"] is NSNull)
        let row = try account.subscriptionRow()
        let flag = try row?.bool("cancel_at_period_end")
        #expect(row?["cancel_at"] == .null && flag == false)
    }

    @Test("an unconfigured Customer Portal is a 503 that says what to do in the dashboard, not a 502")
    func portalNotConfigured() throws {
        let account = try BillingAccount.make()
        _ = try account.subscribe("pro")
        defer { try? FakeStripe.setPortalSaved(true) }
        try FakeStripe.setPortalSaved(false)
        let refused = try account.client.post("/billing/portal")
        #expect(refused.status == 503 && refused.code == "unavailable")
        let message = refused["message"] as? String ?? ""
        #expect(message.contains("Customer portal") && message.contains("Dashboard"), "\(message)")
        try FakeStripe.setPortalSaved(true)
        #expect(try account.client.post("/billing/portal").status == 200)
    }

    @Test("a second checkout reuses the open session; another plan replaces it; a completed one is a 409")
    func oneOpenCheckout() throws {
        let account = try BillingAccount.make()
        let first = try account.client.post("/billing/checkout", ["plan": "pro"])
        let again = try account.client.post("/billing/checkout", ["plan": "pro"])
        #expect(first.status == 200 && again.status == 200)
        let firstSession = first["session_id"] as? String ?? "?"
        #expect(again["session_id"] as? String == firstSession && again["url"] as? String == first["url"] as? String)

        let business = try account.client.post("/billing/checkout", ["plan": "business"])
        #expect(business.status == 200 && business["session_id"] as? String != firstSession)
        let sessions = try FakeStripe.call("GET", "/_test/state").object("sessions")
        #expect(sessions.object(firstSession)["status"] as? String == "expired", "the pro session can no longer be paid")

        let paid = try FakeStripe.call("POST", "/_test/complete_checkout/\(business["session_id"] as? String ?? "")", ["order": [String]()])
        #expect((paid["deliveries"] as? [Any])?.isEmpty == true, "no webhook has arrived yet")
        let meanwhile = try account.client.post("/billing/checkout", ["plan": "business"])
        #expect(meanwhile.status == 409 && meanwhile.code == "conflict")
    }

    @Test("the Stripe customer survives a rename: a lost save is replayed to the same customer, never a 502")
    func customerSurvivesRename() throws {
        let account = try BillingAccount.make()
        let first = try account.client.post("/billing/checkout", ["plan": "pro"])
        #expect(first.status == 200)
        let customer = try account.subscriptionRow()?["stripe_customer_id"]
        let db = try TestStack.appDatabase()
        try db.execute("DELETE FROM subscriptions WHERE user_id = ?", [.int(account.id)])
        try db.execute("UPDATE users SET name = 'Renamed', email = ? WHERE id = ?", [.text("renamed\(account.id)@example.test"), .int(account.id)])
        let second = try account.client.post("/billing/checkout", ["plan": "pro"])
        #expect(second.status == 200, "\(second)")
        #expect(try account.subscriptionRow()?["stripe_customer_id"] == customer, "the same customer, replayed by Stripe")
        if case .text(let id) = customer {
            let stored = try FakeStripe.call("GET", "/_test/state").object("customers").object(id)
            #expect(stored["email"] as? String == "renamed\(account.id)@example.test" && stored["name"] as? String == "Renamed")
        }
    }
}

extension BillingEndToEndTests {
    @Test("with Stripe's clock 200 s behind this machine's, change-plan stamps Stripe's time and later events still apply")
    func changePlanUsesStripeClock() throws {
        let account = try BillingAccount.make()
        defer { _ = try? FakeStripe.call("POST", "/_test/clock", ["offset_seconds": 0]) }
        // Within the signatures' 300 s tolerance: a larger skew fails Stripe's own webhooks too.
        try FakeStripe.call("POST", "/_test/clock", ["offset_seconds": -200])
        let (_, subscription, _) = try account.subscribe("pro")
        let status = try account.client.post("/billing/change-plan", ["plan": "business"])
        #expect(status.status == 200 && status["plan"] as? String == "business", "\(status)")
        let stamped = try account.subscriptionRow().flatMap { try $0.optionalDate("last_event_at") }
        let behind = Date().timeIntervalSince(stamped ?? .distantFuture)
        #expect(behind > 190 && behind < 220, "last_event_at is Stripe's time, 200 s behind (\(behind) s)")

        let cancel = try FakeStripe.call("POST", "/_test/send_event", ["type": "customer.subscription.updated",
                                                                       "subscription": subscription["id"] ?? "", "set": ["cancel_at_period_end": true]])
        #expect(cancel.object("delivery")["status"] as? Int == 200)
        #expect(try account.status()["cancel_at_period_end"] as? Bool == true, "a later event is not taken for an older one")
    }
}

/// The stand-in by itself, not through Skannr: it must refuse what Stripe refuses, or a wrong
/// parameter name would pass the tests and fail in production. Nested in the serialized billing
/// suite: its portal switch is global.
extension BillingEndToEndTests {
    @Suite("Stripe stand-in strictness")
    struct StandInStrictness {
        static func customer(_ version: String) throws -> String {
            let made = try FakeStripe.stripe("POST", "/v1/customers", form: "metadata[account_id]=1", version: version)
            return made.json["id"] as? String ?? "?"
        }

        static func checkout(_ form: String, customer: String, version: String) throws -> (status: Int, error: [String: Any], json: [String: Any]) {
            try FakeStripe.stripe("POST", "/v1/checkout/sessions", form: "mode=subscription&customer=\(customer)&" + form, version: version)
        }

        static let item = "line_items[0][price]=price_skannr_pro&line_items[0][quantity]=1"
        static let success = "success_url=https%3A%2F%2Fskannr.test%2Fok"

        @Test("a well-formed Checkout Session is accepted, so the refusals below are about their one fault")
        func accepted() throws {
            let version = try FakeStripe.apiVersion()
            let made = try Self.checkout(Self.item + "&" + Self.success, customer: try Self.customer(version), version: version)
            #expect(made.status == 200 && made.json["status"] as? String == "open", "\(made)")
        }

        @Test("a misspelt or unknown parameter is Stripe's 400 naming it in `param`")
        func unknownParameters() throws {
            let version = try FakeStripe.apiVersion()
            let customer = try Self.customer(version)
            let misspelt = try Self.checkout("line_itemz[0][price]=price_skannr_pro&line_itemz[0][quantity]=1&" + Self.success, customer: customer, version: version)
            #expect(misspelt.status == 400 && misspelt.error["param"] as? String == "line_itemz" && misspelt.error["type"] as? String == "invalid_request_error")
            let bogus = try FakeStripe.stripe("POST", "/v1/customers", form: "totally_bogus=1", version: version)
            #expect(bogus.status == 400 && bogus.error["param"] as? String == "totally_bogus")
            let nested = try Self.checkout("line_items[0][pricee]=price_skannr_pro&line_items[0][quantity]=1&" + Self.success, customer: customer, version: version)
            #expect(nested.status == 400 && nested.error["param"] as? String == "line_items[0][pricee]")
            let query = try FakeStripe.stripe("GET", "/v1/subscriptions/sub_x?totally_bogus=1", version: version)
            #expect(query.status == 400 && query.error["param"] as? String == "totally_bogus")
        }

        @Test("a line item without quantity and a success_url that is not a URL are refused with their param")
        func invalidValues() throws {
            let version = try FakeStripe.apiVersion()
            let customer = try Self.customer(version)
            let noQuantity = try Self.checkout("line_items[0][price]=price_skannr_pro&" + Self.success, customer: customer, version: version)
            #expect(noQuantity.status == 400 && noQuantity.error["param"] as? String == "line_items[0][quantity]")
            let notURL = try Self.checkout(Self.item + "&success_url=not-a-url", customer: customer, version: version)
            #expect(notURL.status == 400 && notURL.error["param"] as? String == "success_url")
        }

        @Test("a portal session without configuration is refused until the default is saved")
        func portalWithoutConfiguration() throws {
            let version = try FakeStripe.apiVersion()
            let customer = try Self.customer(version)
            defer { try? FakeStripe.setPortalSaved(true) }
            try FakeStripe.setPortalSaved(false)
            let refused = try FakeStripe.stripe("POST", "/v1/billing_portal/sessions", form: "customer=\(customer)", version: version)
            #expect(refused.status == 400 && (refused.error["message"] as? String)?.contains("default configuration") == true)
            try FakeStripe.setPortalSaved(true)
            #expect(try FakeStripe.stripe("POST", "/v1/billing_portal/sessions", form: "customer=\(customer)", version: version).status == 200)
        }

        @Test("it speaks one API version: a request without Stripe-Version or with another is refused")
        func oneVersion() throws {
            let version = try FakeStripe.apiVersion()
            #expect(try FakeStripe.stripe("POST", "/v1/customers", form: "", version: nil).status == 400)
            #expect(try FakeStripe.stripe("POST", "/v1/customers", form: "", version: "2024-06-20").status == 400)
            #expect(try FakeStripe.stripe("POST", "/v1/customers", form: "", version: version).status == 200)
        }
    }
}

extension BillingEndToEndTests {
    /// A signed event of an ignored type whose object is padded to `bytes`.
    static func paddedEvent(bytes: Int) -> (body: [UInt8], header: String) {
        let id = "evt_big_\(UInt64.random(in: 0...UInt64.max))"
        let now = Int64(Date().timeIntervalSince1970)
        let head = #"{"id":"\#(id)","object":"event","type":"product.updated","created":\#(now),"data":{"object":{"id":"prod_1","description":""#
        let body = Array((head + String(repeating: "x", count: max(0, bytes - head.utf8.count - 4)) + #""}}}"#).utf8)
        let secret = TestStack.setting("SKANNR_STRIPE_WEBHOOK_SECRET") ?? ""
        return (body, WebhookSignatureHeader.make(secret: secret, body: body, timestamp: now))
    }

    @Test("the webhook takes Stripe's large deliveries (300 KiB) up to 1 MiB; the rest of the API keeps 64 KiB")
    func webhookBodyLimit() throws {
        let anonymous = try APIClient()
        let large = Self.paddedEvent(bytes: 300 * 1024)
        let accepted = try anonymous.call("POST", "/billing/webhook", raw: large.body, headers: [("Stripe-Signature", large.header)])
        #expect(accepted.status == 200 && accepted["received"] as? Bool == true, "\(accepted.status) \(accepted)")

        let tooLarge = Self.paddedEvent(bytes: (1 << 20) + 4096)
        let refused = try anonymous.call("POST", "/billing/webhook", raw: tooLarge.body, headers: [("Stripe-Signature", tooLarge.header)])
        #expect(refused.status == 413)

        let account = try BillingAccount.make()
        let elsewhere = try account.client.call("POST", "/billing/checkout", raw: large.body, contentType: "application/json")
        #expect(elsewhere.status == 413, "other routes keep 64 KiB")
    }
}

extension BillingEndToEndTests {
    @Test("an event about a subscription Stripe does not know is recorded and answered 200, not retried for days")
    func unknownSubscription() throws {
        let body = Array(#"{"id":"evt_unknown_\#(UInt64.random(in: 0...UInt64.max))","object":"event","type":"customer.subscription.updated","created":\#(Int64(Date().timeIntervalSince1970)),"data":{"object":{"id":"sub_nosuch","object":"subscription","customer":"cus_nosuch","status":"active","items":{"data":[]}}}}"#.utf8)
        let header = WebhookSignatureHeader.make(secret: TestStack.setting("SKANNR_STRIPE_WEBHOOK_SECRET") ?? "", body: body,
                                                 timestamp: Int64(Date().timeIntervalSince1970))
        let response = try APIClient().call("POST", "/billing/webhook", raw: body, headers: [("Stripe-Signature", header)])
        #expect(response.status == 200 && response["duplicate"] as? Bool == false, "\(response.status) \(response)")
        let fetched = try FakeStripe.requests().contains { $0["path"] as? String == "/v1/subscriptions/sub_nosuch" }
        #expect(fetched, "the subscription was asked for, not read from the payload")
    }
}
