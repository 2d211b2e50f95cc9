// Per-plan and per-IP request budgets in fixed 60-second windows, shared by every responder
// process: in the host's shared counter file when SKANNR_RATE_LIMIT_FILE is set (no round trip;
// one API host), else in MariaDB (one upsert per request, RateLimitStore.hit; any number of API
// hosts). Buckets: `a:<account id>` with the plan's requests_per_minute when the bearer token
// checked out, else `ip:<client address, or IPv6 /64>` with SKANNR_RATE_LIMIT_ANONYMOUS; a route with a
// budget of its own (Stripe's webhook) counts `stripe:<client address>` with its limit. In MariaDB about 1
// request in 1000 also deletes windows older than 10 minutes. Over the limit the request still
// counts (the window is short).
import Foundation
import SkannrCore
import SkannrStore

public struct DatabaseRateLimiter: RateLimiting {
    public static let windowSeconds: Int64 = 60
    public let cleanupOneIn: UInt32
    /// The host's shared counters; nil counts in MariaDB.
    public let sharedCounters: SharedWindowCounters?

    public init(sharedCounters: SharedWindowCounters? = nil, cleanupOneIn: UInt32 = 1000) {
        self.sharedCounters = sharedCounters
        self.cleanupOneIn = max(cleanupOneIn, 1)
    }

    public func consume(principal: Principal?, clientAddress: String, now: Date, services: Services) throws -> RateLimitState {
        let configuration = services.configuration
        let bucket: String
        let limit: Int
        if let principal {
            bucket = "a:\(principal.accountID)"
            limit = configuration.plans.limits(for: Plan(rawValue: principal.plan) ?? .free).requestsPerMinute
        } else {
            bucket = "ip:" + Self.asciiOnly(ClientAddressKey.key(for: clientAddress))  // an IPv6 client by its /64
            limit = configuration.anonymousRequestsPerMinute
        }
        return try count(bucket: bucket, limit: limit, now: now, services: services)
    }

    public func consume(budget: RouteBudget, clientAddress: String, now: Date, services: Services) throws -> RateLimitState {
        let limit = switch budget {
        case .stripeWebhook: services.configuration.stripeWebhookRequestsPerMinute
        }
        return try count(bucket: budget.rawValue + ":" + Self.asciiOnly(clientAddress), limit: limit, now: now, services: services)
    }

    private func count(bucket: String, limit: Int, now: Date, services: Services) throws -> RateLimitState {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let windowStart = seconds - seconds % Self.windowSeconds
        let hits = try sharedCounters?.hit(key: bucket, windowStart: windowStart)
            ?? databaseHit(bucket: bucket, windowStart: windowStart, services: services)
        return RateLimitState(limit: limit, remaining: max(0, limit - hits), resetAt: windowStart + Self.windowSeconds,
                              allowed: hits <= limit)
    }

    private func databaseHit(bucket: String, windowStart: Int64, services: Services) throws -> Int {
        let store = try services.stores().rateLimits
        let hits = try store.hit(bucket: bucket, windowStart: windowStart)
        if UInt32.random(in: 0..<cleanupOneIn) == 0 {
            _ = try? store.purge(windowsBefore: windowStart - 10 * Self.windowSeconds)
        }
        return hits
    }

    /// The bucket column is ASCII: anything else in an address (it never should be) becomes '?'.
    static func asciiOnly(_ text: String) -> String {
        String(text.unicodeScalars.prefix(90).map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" })
    }
}
