// The two checks every request passes before its handler: who is calling (bearer token) and
// whether their budget allows the call. Implemented by the auth area; the application only
// knows these shapes.

import Foundation

public protocol Authenticating: Sendable {
    /// The caller behind an access token; throws 401 `unauthorized` or `token_expired`.
    func principal(forAccessToken token: String, now: Date) throws(APIError) -> Principal
}

public struct RateLimitState: Sendable, Equatable {
    public let limit: Int
    public let remaining: Int
    /// Unix time (seconds) when the window resets.
    public let resetAt: Int64
    public let allowed: Bool

    public init(limit: Int, remaining: Int, resetAt: Int64, allowed: Bool) {
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
        self.allowed = allowed
    }

    public var headers: [(name: String, value: String)] {
        [("X-RateLimit-Limit", "\(limit)"), ("X-RateLimit-Remaining", "\(remaining)"), ("X-RateLimit-Reset", "\(resetAt)")]
    }
}

public protocol RateLimiting {
    /// Counts one request against the caller's budget (an account, or a client IP when nil).
    func consume(principal: Principal?, clientAddress: String, now: Date, services: Services) throws -> RateLimitState
    /// Counts one request against a route's own budget for the client IP (e.g. Stripe's webhook).
    func consume(budget: RouteBudget, clientAddress: String, now: Date, services: Services) throws -> RateLimitState
}

extension RateLimiting {
    /// Limiters that know no route budgets count such requests as anonymous ones.
    public func consume(budget: RouteBudget, clientAddress: String, now: Date, services: Services) throws -> RateLimitState {
        try consume(principal: nil, clientAddress: clientAddress, now: now, services: services)
    }
}
