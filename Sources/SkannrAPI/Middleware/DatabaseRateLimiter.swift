// Per-plan and per-IP request budgets in fixed 60-second windows, counted in MariaDB so every
// responder process shares one budget: one upsert per request (RateLimitStore.hit). Buckets:
// `a:<account id>` with the plan's requests_per_minute when the bearer token checked out, else
// `ip:<client address>` with SKANNR_RATE_LIMIT_ANONYMOUS. About 1 request in 1000 also deletes
// windows older than 10 minutes. Over the limit the request still counts (the window is short).
import Foundation
import SkannrCore
import SkannrStore

public struct DatabaseRateLimiter: RateLimiting {
    public static let windowSeconds: Int64 = 60
    public let cleanupOneIn: UInt32

    public init(cleanupOneIn: UInt32 = 1000) { self.cleanupOneIn = max(cleanupOneIn, 1) }

    public func consume(principal: Principal?, clientAddress: String, now: Date, services: Services) throws -> RateLimitState {
        let configuration = services.configuration
        let bucket: String
        let limit: Int
        if let principal {
            bucket = "a:\(principal.accountID)"
            limit = configuration.plans.limits(for: Plan(rawValue: principal.plan) ?? .free).requestsPerMinute
        } else {
            bucket = "ip:" + Self.asciiOnly(clientAddress)
            limit = configuration.anonymousRequestsPerMinute
        }
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let windowStart = seconds - seconds % Self.windowSeconds
        let store = RateLimitStore(connection: try services.database())
        let hits = try store.hit(bucket: bucket, windowStart: windowStart)
        if UInt32.random(in: 0..<cleanupOneIn) == 0 {
            _ = try? store.purge(windowsBefore: windowStart - 10 * Self.windowSeconds)
        }
        return RateLimitState(limit: limit, remaining: max(0, limit - hits), resetAt: windowStart + Self.windowSeconds,
                              allowed: hits <= limit)
    }

    /// The bucket column is ASCII: anything else in an address (it never should be) becomes '?'.
    static func asciiOnly(_ text: String) -> String {
        String(text.unicodeScalars.prefix(90).map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" })
    }
}
