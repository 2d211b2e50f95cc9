// Notifications through nginx with the stack's own skannr-notifier (scripts/test starts it with
// retries after 1 s, 1 s, then 30 s, and mail to an SMTP port a test listens on): channel CRUD and
// limits, signed webhooks with retries and one event id, a receiver that stays down, email, redelivery.
// Alerts are seeded by SQL and resolved through the API, whose transaction writes the outbox.
import Foundation
import Glibc
import MariaDB
import SkannrCrypto
import Testing
import TestSupport

@Suite("Notifications end to end", .needsStack)
struct NotificationEndToEndTests {
    static func number(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }

    /// Creates a channel (201 expected); its id and, for webhooks, the secret.
    static func channel(_ client: APIClient, _ body: [String: Any]) throws -> (id: Int64, secret: String?) {
        let created = try client.post("/notifications/channels", body)
        try #require(created.status == 201, "\(created)")
        return (try #require(number(created["id"])), created["secret"] as? String)
    }

    /// An open alert of the account on a seeded target and scan (the runner's columns).
    static func openAlert(_ account: TestAccount, _ client: APIClient, severity: String = "high", port: Int = 3389) throws -> Int64 {
        let db = try TestStack.appDatabase()
        let target = try account.target("10.61.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))", using: client)
        let scan = try Seed.scan(db, account: account.id, target: target)
        return try AlertsTests.alert(db, account: account, target: target, scan: scan, severity: severity, port: port)
    }

    static func deliveries(_ client: APIClient, channel: Int64) throws -> [[String: Any]] {
        let response = try client.get("/notifications/deliveries?channel_id=\(channel)")
        #expect(response.status == 200, "\(response)")
        return response.items
    }

    /// Polls until `condition` holds (at most `timeout` seconds); false when it never did.
    static func eventually(_ timeout: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// The documented scheme: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
    static func signatureVerifies(_ header: String?, secret: String, body: String) -> Bool {
        guard let header else { return false }
        let parts = Dictionary(header.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            .filter { $0.count == 2 }.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
        guard let t = parts["t"], let v1 = parts["v1"], let seconds = Double(t), abs(Date().timeIntervalSince1970 - seconds) < 300 else { return false }
        return Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: Array("\(t).\(body)".utf8))) == v1
    }

    @Test("a webhook channel's secret is shown once; list, update and delete follow the contract")
    func channelLifecycle() throws {
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        let created = try client.post("/notifications/channels", ["type": "webhook", "url": "https://hooks.example.com/x",
                                                                  "min_severity": "medium", "events": ["alert.opened", "scan.failed"]])
        #expect(created.status == 201, "\(created)")
        let secret = try #require(created["secret"] as? String)
        #expect(secret.hasPrefix("whsec_") && secret.count >= 6 + 64)
        #expect(Set(created.json.keys) == ["id", "type", "url", "email", "min_severity", "events", "enabled", "created_at",
                                           "last_delivery_at", "last_status", "secret"])
        #expect(created["events"] as? [String] == ["alert.opened", "scan.failed"] && created["email"] is NSNull)
        let id = try #require(Self.number(created["id"]))

        let listed = try client.get("/notifications/channels")
        #expect(listed.status == 200 && listed.items.count == 1)
        #expect(listed.items.first?["secret"] == nil && listed.items.first?["last_status"] is NSNull)

        let patched = try client.patch("/notifications/channels/\(id)", ["min_severity": "critical", "enabled": false])
        #expect(patched.status == 200 && patched["min_severity"] as? String == "critical" && patched["enabled"] as? Bool == false)
        #expect(patched["secret"] == nil)
        #expect(try client.patch("/notifications/channels/\(id)", ["events": []]).status == 400)

        let slack = try client.post("/notifications/channels", ["type": "slack", "url": "https://hooks.slack.com/services/T/B/C"])
        #expect(slack.status == 201 && slack["secret"] == nil && slack["events"] as? [String] == ["alert.opened"])
        #expect(slack["min_severity"] as? String == "low")

        #expect(try client.delete("/notifications/channels/\(id)").status == 204)
        #expect(try client.delete("/notifications/channels/\(id)").status == 404)
        #expect(try client.get("/notifications/channels").items.count == 1)
    }

    @Test("a free account may have 2 channels; the third is 403 plan_limit")
    func planLimit() throws {
        let account = try TestAccount.make(plan: "free")
        let client = try account.client()
        for n in 0..<2 { _ = try Self.channel(client, ["type": "email", "email": "ops\(n)@example.com"]) }
        let third = try client.post("/notifications/channels", ["type": "email", "email": "ops3@example.com"])
        #expect(third.status == 403 && third.code == "plan_limit", "\(third)")
    }

    @Test("invalid channel bodies are 400 naming every bad field")
    func validation() throws {
        let client = try TestAccount.make(plan: "pro").client()
        let bad = try client.post("/notifications/channels", ["type": "webhook", "email": "a@example.com",
                                                              "min_severity": "urgent", "events": ["alert.deleted"]])
        #expect(bad.status == 400 && bad.code == "validation_failed", "\(bad)")
        let fields = bad["fields"] as? [String: String] ?? [:]
        #expect(Set(fields.keys) == ["url", "email", "min_severity", "events"], "\(fields)")
        let scheme = try client.post("/notifications/channels", ["type": "webhook", "url": "ftp://example.com/x"])
        #expect(scheme.status == 400 && (scheme["fields"] as? [String: String])?["url"] != nil, "\(scheme)")
        let email = try client.post("/notifications/channels", ["type": "email", "email": "not an address"])
        #expect(email.status == 400 && (email["fields"] as? [String: String])?["email"] != nil, "\(email)")
        #expect(try client.post("/notifications/channels", ["type": "pager"]).status == 400)
    }

    @Test("another account's channel and delivery are 404")
    func isolation() throws {
        let owner = try TestAccount.make(plan: "pro")
        let ownerClient = try owner.client()
        let channel = try Self.channel(ownerClient, ["type": "webhook", "url": "https://localhost:1/none"])
        #expect(try ownerClient.post("/notifications/channels/\(channel.id)/test").status == 202)
        let delivery = try #require(Self.number(try Self.deliveries(ownerClient, channel: channel.id).first?["id"]))
        let stranger = try TestAccount.make(plan: "pro").client()
        #expect(try stranger.patch("/notifications/channels/\(channel.id)", ["enabled": false]).status == 404)
        #expect(try stranger.post("/notifications/channels/\(channel.id)/test").status == 404)
        #expect(try stranger.delete("/notifications/channels/\(channel.id)").status == 404)
        #expect(try stranger.post("/notifications/deliveries/\(delivery)/redeliver").status == 404)
        #expect(try stranger.get("/notifications/deliveries?channel_id=\(channel.id)").items.isEmpty)
        _ = try ownerClient.delete("/notifications/channels/\(channel.id)")
    }

    @Test("a receiver answering 500, 500, 200 gets three signed attempts of one event id; the delivery ends delivered")
    func retriesUntilDelivered() throws {
        let receiver = try WebhookReceiver(statuses: [500, 500, 200])
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        let channel = try Self.channel(client, ["type": "webhook", "url": receiver.url, "events": ["alert.resolved"]])
        let secret = try #require(channel.secret)
        let alert = try Self.openAlert(account, client)
        #expect(try client.post("/alerts/\(alert)/resolve").status == 200)

        let requests = receiver.waitFor(3, timeout: 30)
        try #require(requests.count >= 3, "only \(requests.count) attempts arrived")
        let eventIDs = Set(requests.map { $0.headers["skannr-event-id"] ?? "" })
        #expect(eventIDs.count == 1 && eventIDs.first?.hasPrefix("evt_") == true, "\(eventIDs)")
        for request in requests {
            #expect(Self.signatureVerifies(request.headers["skannr-signature"], secret: secret, body: request.body))
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.json["id"] as? String == eventIDs.first && request.json["type"] as? String == "alert.resolved")
            let sent = (request.json["data"] as? [String: Any])?["alert"] as? [String: Any]
            #expect(Self.number(sent?["id"]) == alert && sent?["status"] as? String == "resolved")
        }
        var delivery: [String: Any] = [:]
        #expect(try Self.eventually(10) {
            delivery = try Self.deliveries(client, channel: channel.id).first ?? [:]
            return delivery["status"] as? String == "delivered"
        }, "\(delivery)")
        #expect(Self.number(delivery["attempts"]) == 3 && Self.number(delivery["last_status_code"]) == 200)
        #expect(delivery["event_id"] as? String == eventIDs.first && delivery["event"] as? String == "alert.resolved")
        #expect(delivery["delivered_at"] is String && delivery["next_attempt_at"] is NSNull && delivery["last_error"] is NSNull)
        let listed = try client.get("/notifications/channels").items.first
        #expect(listed?["last_status"] as? String == "delivered" && listed?["last_delivery_at"] is String)
        #expect(receiver.waitFor(4, timeout: 1.5).count == 3, "a delivered event was sent again")
    }

    @Test("below the channel's severity nothing is written to the outbox")
    func severityThreshold() throws {
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        let channel = try Self.channel(client, ["type": "webhook", "url": "https://localhost:1/x", "min_severity": "critical",
                                                "events": ["alert.resolved"]])
        let alert = try Self.openAlert(account, client, severity: "high")
        #expect(try client.post("/alerts/\(alert)/resolve").status == 200)
        #expect(try Self.deliveries(client, channel: channel.id).isEmpty)
    }

    @Test("a receiver that is down for the whole test leaves the delivery pending, next attempt in the future")
    func receiverDown() throws {
        let port = try LoopbackListener.freePort()   // nothing listens: every attempt is refused
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        let channel = try Self.channel(client, ["type": "webhook", "url": "https://localhost:\(port)/hook"])
        #expect(try client.post("/notifications/channels/\(channel.id)/test").status == 202)
        var delivery: [String: Any] = [:]
        // Retries after 1 s and 1 s, then the stack's schedule waits 30 s.
        #expect(try Self.eventually(20) {
            delivery = try Self.deliveries(client, channel: channel.id).first ?? [:]
            return (Self.number(delivery["attempts"]) ?? 0) >= 3
        }, "\(delivery)")
        #expect(delivery["status"] as? String == "pending" && delivery["delivered_at"] is NSNull, "\(delivery)")
        #expect(delivery["last_status_code"] is NSNull && (delivery["last_error"] as? String)?.isEmpty == false)
        let next = try #require((delivery["next_attempt_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(next > Date().addingTimeInterval(10), "next attempt \(next)")
        let listed = try client.get("/notifications/channels").items.first
        #expect(listed?["last_status"] as? String == "failing" && listed?["enabled"] as? Bool == true)
    }

    @Test("an email channel's message arrives through the SMTP relay with subject, recipient, plain and HTML parts")
    func email() throws {
        let relay = try #require(TestStack.setting("SKANNR_SMTP_URL"))
        let port = try #require(relay.split(separator: ":").last.flatMap { UInt16($0) })
        let sink = try SMTPSink(port: port)
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        let recipient = "oncall+\(account.id)@example.com"
        let channel = try Self.channel(client, ["type": "email", "email": recipient, "events": ["alert.resolved"]])
        let alert = try Self.openAlert(account, client, severity: "critical", port: 3389)
        #expect(try client.post("/alerts/\(alert)/resolve").status == 200)

        var message: (to: [String], raw: String)?
        #expect(Self.eventually(20) {
            message = sink.messages().first { $0.to == [recipient] }
            return message != nil
        })
        let raw = try #require(message?.raw)
        #expect(raw.contains("Subject: Skannr: Resolved: [CRITICAL] New open port 3389"), "\(raw.prefix(600))")
        #expect(raw.contains("To: <\(recipient)>") && raw.contains("From: Skannr <alerts@skannr.test>"))
        #expect(raw.contains("Content-Type: multipart/alternative"))
        let parts = Self.decodedParts(raw)
        #expect(parts["text/plain"]?.contains("Severity: CRITICAL") == true, "\(parts)")
        #expect(parts["text/plain"]?.contains("Host: 10.60.0.1, port 3389") == true)
        #expect(parts["text/html"]?.contains("<h2>Alert resolved: New open port 3389</h2>") == true, "\(parts)")
        var delivery: [String: Any] = [:]
        #expect(try Self.eventually(10) {
            delivery = try Self.deliveries(client, channel: channel.id).first ?? [:]
            return delivery["status"] as? String == "delivered"
        }, "\(delivery)")
    }

    /// The base64 parts of a multipart/alternative message, decoded, by content type.
    static func decodedParts(_ raw: String) -> [String: String] {
        var parts: [String: String] = [:]
        for chunk in raw.components(separatedBy: "\r\n--") {
            guard let type = ["text/plain", "text/html"].first(where: { chunk.contains("Content-Type: \($0)") }),
                  let blank = chunk.range(of: "\r\n\r\n") else { continue }
            let base64 = chunk[blank.upperBound...].split(separator: "\r\n").joined()
            parts[type] = Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
        }
        return parts
    }

    @Test("redelivery queues the same event id and body again, and it is delivered")
    func redeliver() throws {
        let receiver = try WebhookReceiver(statuses: [200])
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        let channel = try Self.channel(client, ["type": "webhook", "url": receiver.url])
        #expect(try client.post("/notifications/channels/\(channel.id)/test").status == 202)
        let first = receiver.waitFor(1)
        try #require(first.count == 1)
        let original = try #require(Self.number(try Self.deliveries(client, channel: channel.id).first?["id"]))
        let again = try client.post("/notifications/deliveries/\(original)/redeliver")
        #expect(again.status == 202 && again["status"] as? String == "pending" && Self.number(again["attempts"]) == 0, "\(again)")
        let both = receiver.waitFor(2)
        try #require(both.count == 2)
        #expect(both[1].headers["skannr-event-id"] == both[0].headers["skannr-event-id"] && both[1].body == both[0].body)
        #expect(both[0].json["type"] as? String == "test")
        #expect(try client.post("/notifications/deliveries/999999999/redeliver").status == 404)
    }

    @Test("a Slack channel gets {\"text\": …} naming the alert, its severity and target, with Slack's escapes")
    func slack() throws {
        let receiver = try WebhookReceiver(statuses: [200])
        let account = try TestAccount.make(plan: "pro")
        let client = try account.client()
        _ = try Self.channel(client, ["type": "slack", "url": receiver.url, "events": ["alert.resolved"]])
        let alert = try Self.openAlert(account, client, severity: "medium", port: 5900)
        #expect(try client.post("/alerts/\(alert)/resolve").status == 200)
        let request = try #require(receiver.waitFor(1).first, "nothing arrived")
        #expect(Set(request.json.keys) == ["text"] && request.headers["skannr-signature"] == nil)
        let text = try #require(request.json["text"] as? String)
        #expect(text.hasPrefix("*Alert resolved: New open port 5900*"), "\(text)")
        #expect(text.contains("Severity: MEDIUM") && text.contains("Host: 10.60.0.1, port 5900") && text.contains("Target: 10.61."), "\(text)")
    }
}

