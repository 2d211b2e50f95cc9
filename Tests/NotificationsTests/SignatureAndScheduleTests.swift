// Pure rules of notifications: the webhook signature scheme as the README documents it, the retry
// schedule, channel filters and plan limits.
import Foundation
import SkannrCore
import SkannrCrypto
import Testing

@Suite("Notification rules")
struct NotificationRuleTests {
    @Test("a signature is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"t.body\")> and verifies")
    func signatureScheme() {
        let body = Array(#"{"id":"evt_1"}"#.utf8)
        let header = WebhookSignature.sign(secret: "whsec_abc", timestamp: 1_700_000_000, body: body)
        let expected = Hex.encode(HMAC.sha256(key: Array("whsec_abc".utf8), message: Array("1700000000.".utf8) + body))
        #expect(header == "t=1700000000,v1=\(expected)")
        #expect(WebhookSignature.verify(header, secret: "whsec_abc", body: body, now: 1_700_000_100))
    }

    @Test("a signature fails for another secret, a changed body or an old timestamp")
    func signatureRejects() {
        let body = Array("{}".utf8)
        let header = WebhookSignature.sign(secret: "whsec_a", timestamp: 1000, body: body)
        #expect(!WebhookSignature.verify(header, secret: "whsec_b", body: body, now: 1000))
        #expect(!WebhookSignature.verify(header, secret: "whsec_a", body: Array("{ }".utf8), now: 1000))
        #expect(!WebhookSignature.verify(header, secret: "whsec_a", body: body, now: 1000 + 301))
        #expect(!WebhookSignature.verify("v1=00", secret: "whsec_a", body: body, now: 1000))
    }

    @Test("new secrets are whsec_ and 32 random bytes in hex, never repeated")
    func secrets() {
        let a = WebhookSignature.newSecret(), b = WebhookSignature.newSecret()
        #expect(a.hasPrefix("whsec_") && a.count == 6 + 64 && a != b)
        #expect(NotificationEvent.newID().hasPrefix("evt_"))
    }

    @Test("the standard schedule waits 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and then gives up")
    func schedule() {
        let schedule = RetrySchedule.standard
        #expect((1...6).compactMap { schedule.delay(afterAttempts: $0) } == [60, 300, 1800, 7200, 21600, 43200])
        #expect(schedule.delay(afterAttempts: 7) == nil)
        #expect(schedule.maxAttempts == 7)
    }

    @Test("a schedule setting must be positive integers separated by commas")
    func scheduleParsing() {
        #expect(RetrySchedule.parse("1, 2,30") == RetrySchedule(delays: [1, 2, 30]))
        #expect(RetrySchedule.parse("") == nil)
        #expect(RetrySchedule.parse("1,,2") == nil)
        #expect(RetrySchedule.parse("0") == nil)
        #expect(RetrySchedule.parse("1,x") == nil)
    }

    @Test("a channel gets subscribed events at or above its severity; scan.failed has no severity")
    func channelFilter() {
        let subscribed: Set<NotificationEvent> = [.alertOpened, .scanFailed]
        #expect(ChannelRules.wants(event: .alertOpened, severity: .high, minSeverity: .medium, subscribed: subscribed))
        #expect(ChannelRules.wants(event: .alertOpened, severity: .medium, minSeverity: .medium, subscribed: subscribed))
        #expect(!ChannelRules.wants(event: .alertOpened, severity: .low, minSeverity: .medium, subscribed: subscribed))
        #expect(!ChannelRules.wants(event: .alertResolved, severity: .critical, minSeverity: .info, subscribed: subscribed))
        #expect(ChannelRules.wants(event: .scanFailed, severity: nil, minSeverity: .critical, subscribed: subscribed))
    }

    @Test("plans allow 2, 10 and 50 channels; events round-trip through their column")
    func limitsAndEvents() throws {
        let plans = PlanCatalog.defaults
        #expect([Plan.free, .pro, .business].map { plans.limits(for: $0).maxChannels } == [2, 10, 50])
        try plans.checkChannels(plan: .pro, existing: 9)
        #expect(throws: PlanLimitError(limit: "max_channels", message: "The pro plan allows 10 notification channels")) {
            try plans.checkChannels(plan: .pro, existing: 10)
        }
        let events: Set<NotificationEvent> = [.scanFailed, .alertOpened]
        #expect(ChannelRules.encodeEvents(events) == "alert.opened,scan.failed")
        #expect(ChannelRules.decodeEvents("alert.opened,scan.failed,bogus") == events)
    }
}
