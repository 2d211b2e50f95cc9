// Stripe's webhook deliveries have a request budget of their own per source IP
// (SKANNR_RATE_LIMIT_STRIPE_WEBHOOK), apart from the anonymous one, and the webhook route takes
// bodies up to 1 MiB while the rest of the API keeps 64 KiB.
import Foundation
import SkannrAPI
import SkannrSettings
import Testing
import TestSupport

@Suite("Billing webhook budget", .needsDatabase)
struct BillingWebhookBudgetTests {
    static func services() throws -> Services {
        let database = try TestDatabase.migratedDatabase(named: "webhookbudget")
        let settings = Settings(values: [
            "SKANNR_DB_SOCKET": database.unixSocket ?? "", "SKANNR_DB_USER": database.user,
            "SKANNR_DB_PASSWORD": database.password, "SKANNR_DB_NAME": database.database,
            "SKANNR_JWT_KEYS": "k1:" + String(repeating: "A", count: 44),
            "SKANNR_RATE_LIMIT_ANONYMOUS": "3", "SKANNR_RATE_LIMIT_STRIPE_WEBHOOK": "5",
        ])
        return Services(configuration: try APIConfiguration(settings: settings), logger: .init(label: "test"))
    }

    @Test("webhook deliveries count against Stripe's budget, not the anonymous one of the same IP")
    func ownBudget() throws {
        let services = try Self.services()
        let limiter = DatabaseRateLimiter()
        let address = "192.0.2.\(Int.random(in: 1...250))"
        let now = Date()
        let deliveries = try (0..<6).map { _ in
            try limiter.consume(budget: .stripeWebhook, clientAddress: address, now: now, services: services)
        }
        #expect(deliveries.map(\.allowed) == [true, true, true, true, true, false], "5 a minute, then 429")
        #expect(deliveries.first?.limit == 5)
        let anonymous = try limiter.consume(principal: nil, clientAddress: address, now: now, services: services)
        #expect(anonymous.allowed && anonymous.limit == 3 && anonymous.remaining == 2, "the anonymous budget is untouched")
    }

    @Test("the webhook route takes 1 MiB bodies, every other route 64 KiB, and the responder reads that much")
    func bodyLimits() throws {
        let router = RouteTable.makeRouter()
        let webhook = router.routes.first { $0.pattern == "/billing/webhook" }
        #expect(webhook?.limits.maxBodyBytes == 1 << 20 && webhook?.limits.budget == .stripeWebhook)
        #expect(router.routes.filter { $0.pattern != "/billing/webhook" }.allSatisfy { $0.limits.maxBodyBytes == nil && $0.limits.budget == nil })
        let application = Application(router: router, services: try Self.services(), authenticator: nil, rateLimiter: nil)
        #expect(application.largestBodyBytes == 1 << 20)
    }
}
