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
