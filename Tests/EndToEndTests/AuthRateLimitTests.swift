// Per-plan rate limits through nginx and the responder pool (4 workers, one shared budget in
// MariaDB): a free account's 61st request in a minute is 429 with Retry-After, the
// X-RateLimit-Remaining values count down without gaps or repeats across parallel connections,
// and another account is unaffected.
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("Rate limits through nginx", .needsStack)
struct AuthRateLimitTests {
    /// A metered path outside /auth/ (whose nginx flood shield is 20 r/s): the responders answer
    /// 404 after counting the request against the account.
    static let probePath = "/rate-limit-probe"

    /// Waits until at least `margin` seconds are left in the current 60-second window.
    static func waitForRoomInWindow(margin: Int = 15) {
        let second = Int(Date().timeIntervalSince1970) % 60
        if 60 - second < margin { usleep(UInt32(60 - second + 1) * 1_000_000) }
    }

    @Test("the free plan's 60 per minute: 60 pass counting down, the 61st is 429, another account is unaffected")
    func freePlanLimit() throws {
        let (_, registered) = try AuthE2E.register("limit")
        let (_, bystander) = try AuthE2E.register("bystander")
        let token = try #require(AuthE2E.accessToken(registered))
        Self.waitForRoomInWindow()
        let replies = Mutex<[(status: Int, remaining: Int, limit: String, reset: Int64)]>([])
        let threads = (0..<4).map { _ in
            Thread {
                guard let client = try? APIClient(token: token) else { return }
                for _ in 0..<15 {
                    guard let reply = try? client.get(Self.probePath) else { continue }
                    let entry = (reply.status, Int(reply.header("x-ratelimit-remaining") ?? "") ?? -1,
                                 reply.header("x-ratelimit-limit") ?? "-", Int64(reply.header("x-ratelimit-reset") ?? "") ?? 0)
                    replies.withLock { $0.append(entry) }
                }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(60)
        while replies.withLock({ $0.count }) < 60, Date() < deadline { usleep(10_000) }
        let first60 = replies.withLock { $0 }
        #expect(first60.count == 60)
        #expect(first60.allSatisfy { $0.status == 404 && $0.limit == "60" })
        #expect(first60.map(\.remaining).sorted() == Array(0..<60), "every count seen once across workers")
        let reset = first60.first?.reset ?? 0
        #expect(reset % 60 == 0 && reset > Int64(Date().timeIntervalSince1970) - 1)

        let over = try APIClient(token: token).get("/auth/me")
        #expect(over.status == 429)
        #expect(over.code == "rate_limited")
        #expect(over.header("x-ratelimit-remaining") == "0")
        let retryAfter = try #require(Int(over.header("retry-after") ?? ""))
        #expect((1...60).contains(retryAfter))

        let other = try APIClient(token: AuthE2E.accessToken(bystander)).get("/auth/me")
        #expect(other.status == 200)
        #expect(other.header("x-ratelimit-remaining") == "59")
    }

    @Test("unauthenticated calls, /health included, carry the per-IP budget's headers")
    func anonymousHeaders() throws {
        let reply = try APIClient().post("/auth/login", ["email": "x@example.com"])
        #expect(reply.status == 400)
        #expect(reply.header("x-ratelimit-limit") == TestStack.setting("SKANNR_RATE_LIMIT_ANONYMOUS"))
        #expect(Int(reply.header("x-ratelimit-remaining") ?? "") != nil)
        let health = try APIClient().get("/health")
        #expect(health.status == 200)
        #expect(health.header("x-ratelimit-limit") == TestStack.setting("SKANNR_RATE_LIMIT_ANONYMOUS"))
        #expect(Int(health.header("x-ratelimit-reset") ?? "") != nil)
    }
}
