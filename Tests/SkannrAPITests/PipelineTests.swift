// The application's checks around a handler, with fakes behind the two hooks: the request's one
// instant, the rate limiter's refusal and headers, health counted like any open route, a limiter whose
// database is down, and the metrics every answer records. Traps: the clock here ticks one second per read, so a second read shows.

import FastCGI
import Foundation
import Observability
import SkannrAPI
import SkannrSettings
import Synchronization
import Testing

@Suite("Request pipeline hooks")
struct PipelineTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Every instant a hook or handler was given, and how often the clock was read.
    final class Seen: Sendable {
        let instants = Mutex<[Date]>([])
        let clockReads = Mutex(0)
        func add(_ date: Date) { instants.withLock { $0.append(date) } }
    }

    struct FakeAuthenticator: Authenticating {
        let seen: Seen
        func principal(forAccessToken token: String, now: Date) throws(APIError) -> Principal {
            seen.add(now)
            return Principal(accountID: 7, plan: "free")
        }
    }

    /// Allows `budget` requests, then refuses until the window that started at `start` resets.
    final class FakeLimiter: RateLimiting {
        let seen: Seen
        let budget: Int
        var calls = 0
        init(seen: Seen, budget: Int) { self.seen = seen; self.budget = budget }

        func consume(principal: Principal?, clientAddress: String, now: Date, services: Services) throws -> RateLimitState {
            seen.add(now)
            calls += 1
            let reset = Int64(PipelineTests.start.timeIntervalSince1970) + 60
            return RateLimitState(limit: budget, remaining: max(0, budget - calls), resetAt: reset, allowed: calls <= budget)
        }
    }

    static func services(seen: Seen) throws -> Services {
        let settings = Settings(values: [
            "SKANNR_DB_SOCKET": "/nonexistent/mysql.sock", "SKANNR_DB_CONNECT_TIMEOUT": "1",
            "SKANNR_JWT_KEYS": "k1:" + String(repeating: "A", count: 44),
        ])
        let ticking: @Sendable () -> Date = {
            let reads = seen.clockReads.withLock { reads in reads += 1; return reads }
            return start.addingTimeInterval(Double(reads - 1))
        }
        return Services(configuration: try APIConfiguration(settings: settings), logger: .init(label: "test"), clock: ticking)
    }

    static func router(seen: Seen) -> Router {
        var router = Router()
        router.authenticated("GET", "/when") { context in
            seen.add(context.now)
            return .noContent()
        }
        router.open("GET", "/health") { _ in .noContent() }
        return router
    }

    static let authorized = APIRequest(method: "GET", path: "/api/v1/when", headers: ["authorization": "Bearer t"])

    @Test("the token check, the rate limiter and the handler see the one instant of the request")
    func oneInstant() throws {
        let seen = Seen()
        let app = Application(router: Self.router(seen: seen), services: try Self.services(seen: seen),
                              authenticator: FakeAuthenticator(seen: seen), rateLimiter: FakeLimiter(seen: seen, budget: 5))
        let response = app.handle(Self.authorized)
        #expect(response.status == 204)
        #expect(seen.instants.withLock { $0 } == [Self.start, Self.start, Self.start])
        #expect(seen.clockReads.withLock { $0 } == 1)
    }

    @Test("over the budget a request is a 429 whose Retry-After counts from the request's instant")
    func refused() throws {
        let seen = Seen()
        let app = Application(router: Self.router(seen: seen), services: try Self.services(seen: seen),
                              authenticator: FakeAuthenticator(seen: seen), rateLimiter: FakeLimiter(seen: seen, budget: 1))
        #expect(app.handle(Self.authorized).status == 204)
        let refused = app.handle(Self.authorized)
        #expect(refused.status == 429)
        #expect(RouterTests.json(refused)["code"] as? String == "rate_limited")
        // The second request's instant is start + 1 s; the window resets at start + 60 s.
        #expect(refused.header("Retry-After") == "59")
        #expect(refused.header("X-RateLimit-Limit") == "1")
        #expect(refused.header("X-RateLimit-Remaining") == "0")
        #expect(refused.header("X-RateLimit-Reset") == "\(Int64(Self.start.timeIntervalSince1970) + 60)")
    }

    @Test("health checks count against the caller's budget like any open route (the contract: every responder answer carries the headers)")
    func healthMetered() throws {
        let seen = Seen()
        let limiter = FakeLimiter(seen: seen, budget: 1)
        let app = Application(router: Self.router(seen: seen), services: try Self.services(seen: seen),
                              authenticator: nil, rateLimiter: limiter)
        let first = app.handle(APIRequest(method: "GET", path: "/api/v1/health"))
        #expect(first.status == 204)
        #expect(first.header("X-RateLimit-Remaining") == "0")
        #expect(app.handle(APIRequest(method: "GET", path: "/api/v1/health")).status == 429)
        #expect(limiter.calls == 2)
    }

    @Test("a rate limiter whose database is down makes the request a retryable 503, not a crash")
    func limiterWithoutDatabase() throws {
        let seen = Seen()
        let app = Application(router: Self.router(seen: seen), services: try Self.services(seen: seen),
                              authenticator: FakeAuthenticator(seen: seen), rateLimiter: DatabaseRateLimiter())
        let response = app.handle(Self.authorized)
        #expect(response.status == 503)
        #expect(RouterTests.json(response)["code"] as? String == "unavailable")
        #expect(response.header("Retry-After") == "1")
        #expect(response.header("Cache-Control") == "no-store")
    }

    @Test("every answer is counted and timed under its route pattern and status, with escaped labels")
    func requestMetrics() throws {
        let seen = Seen()
        let services = try Self.services(seen: seen)
        let recorder = try #require(MetricsRecorder(directory: nil, role: "api"))
        services.metrics = recorder
        let app = Application(router: Self.router(seen: seen), services: services, authenticator: nil, rateLimiter: nil)
        for _ in 0..<2 { _ = app.handle(APIRequest(method: "GET", path: "/api/v1/health")) }
        _ = app.handle(APIRequest(method: "GET", path: "/api/v1/when"))
        recorder.increment("odd", labels: [("route", "a\"b\\c\nd")])

        let series = recorder.collect().series
        let health = "route=\"/health\",status=\"204\""
        #expect(series["c|\(MetricNames.httpRequests)|\(health)"]?.first == 2)
        #expect(series["h|\(MetricNames.httpDuration)|\(health)"] != nil)
        #expect(series["c|\(MetricNames.httpRequests)|route=\"/when\",status=\"401\""]?.first == 1)
        #expect(series["c|odd|route=\"a\\\"b\\\\c\\nd\""]?.first == 1)
    }
}
