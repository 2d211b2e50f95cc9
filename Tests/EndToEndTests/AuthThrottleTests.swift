// Login throttling through nginx (the test stack locks for SKANNR_LOGIN_LOCK_SECONDS=3): 20 wrong
// passwords end in 429 + Retry-After, known and unknown emails answer identically, and the right
// password works from another client address (::1 vs 127.0.0.1) — at once, since locks are per
// (email, address) — and from the locked address once the lock has run out.
import Foundation
import Testing
import TestSupport

@Suite("Auth login throttling through nginx", .needsStack)
struct AuthThrottleTests {
    /// 20 wrong passwords for `email` from `client`: (status, code, message) of each answer.
    static func hammer(_ email: String, from client: PinnedClient) throws -> [String] {
        var answers: [String] = []
        for _ in 0..<20 {
            let reply = try client.post("/auth/login", ["email": email, "password": "wrong password!"])
            answers.append("\(reply.status) \(reply.code ?? "-") \(reply.json["message"] as? String ?? "-")")
            if reply.status == 429 { #expect(Int(reply.header("retry-after") ?? "") ?? 0 >= 1) }
            usleep(50_000)  // below nginx's 20 r/s flood shield on /auth/
        }
        return answers
    }

    @Test("20 wrong passwords lock; unknown emails answer the same; another address and the lock's end let the owner in")
    func lockout() throws {
        let (email, _) = try AuthE2E.register("lock")
        let ipv4 = try PinnedClient(host: "127.0.0.1")
        let ipv6 = try PinnedClient(host: "[::1]")
        let known = try Self.hammer(email, from: ipv4)
        // At once: the lock doubles per failure after the fifth, but a lock may run out while the
        // second hammering below goes on.
        let locked = try ipv4.post("/auth/login", ["email": email, "password": AuthE2E.password])
        #expect(locked.status == 429, "the right password is refused from the locked address")
        let retryAfter = Int(locked.header("retry-after") ?? "") ?? 0
        #expect(retryAfter >= 1)

        let elsewhere = try ipv6.post("/auth/login", ["email": email, "password": AuthE2E.password])
        #expect(elsewhere.status == 200, "a stranger's failures do not lock the owner's other address: \(elsewhere.text)")

        let unknown = try Self.hammer(AuthE2E.uniqueEmail("ghost"), from: ipv4)
        #expect(known.first?.hasPrefix("401 invalid_credentials") == true)
        #expect(known.contains { $0.hasPrefix("429 rate_limited") })
        #expect(known.last?.hasPrefix("429 rate_limited") == true)
        // Alike up to the first lock (later answers depend on when a 3 s lock runs out).
        #expect(known.prefix(6) == unknown.prefix(6), "known: \(known)\nunknown: \(unknown)")

        usleep(UInt32(retryAfter) * 1_000_000 + 300_000)
        let afterLock = try ipv4.post("/auth/login", ["email": email, "password": AuthE2E.password])
        #expect(afterLock.status == 200, "after the lock: \(afterLock.text)")
        let again = try ipv4.post("/auth/login", ["email": email, "password": "wrong password!"])
        #expect(again.status == 401, "a success forgets the address's failures")
    }

    @Test("failed attempts are counted per account across addresses, in the database")
    func accountCounter() throws {
        // An email nobody registered: the registering address would be a known one, which the
        // account-wide counter spares (AuthLockoutTests).
        let email = AuthE2E.uniqueEmail("count")
        let ipv4 = try PinnedClient(host: "127.0.0.1")
        let ipv6 = try PinnedClient(host: "[::1]")
        for client in [ipv4, ipv6, ipv4] {
            #expect(try client.post("/auth/login", ["email": email, "password": "wrong password!"]).status == 401)
        }
        let database = try TestStack.appDatabase()
        let rows = try database.query("SELECT scope, failures FROM login_throttle WHERE scope = 'account' AND subject = SHA2(?, 256)", [.text(email)])
        #expect(rows.count == 1)
        #expect(try rows.first?.int("failures") == 3)
        let anyEmail = try database.queryOne("SELECT COUNT(*) AS n FROM login_throttle WHERE subject LIKE ?", [.text("%example.com%")])
        #expect(try anyEmail?.int("n") == 0, "emails are stored only hashed")
    }
}
