// Both counter stores behind the rate limiter: the pool's shared file and, without one (or when
// its neighbourhood is full), MariaDB — the budget, the countdown and the refusal are the same.

import Foundation
import MariaDB
import SkannrAPI
import SkannrSettings
import Testing
import TestSupport

@Suite("Rate limiter stores", .needsDatabase)
struct RateLimiterTests {
    static func services() throws -> Services {
        let database = try TestDatabase.migratedDatabase(named: "ratelimit")
        let settings = Settings(values: [
            "SKANNR_DB_SOCKET": database.unixSocket ?? "", "SKANNR_DB_USER": database.user,
            "SKANNR_DB_PASSWORD": database.password, "SKANNR_DB_NAME": database.database,
            "SKANNR_JWT_KEYS": "k1:" + String(repeating: "A", count: 44), "SKANNR_PLAN_FREE_REQUESTS_PER_MINUTE": "3",
        ])
        return Services(configuration: try APIConfiguration(settings: settings), logger: .init(label: "test"))
    }

    /// Four calls for one free account (budget 3): the countdown, then a refusal.
    static func remaining(_ limiter: DatabaseRateLimiter, _ services: Services) throws -> [Int] {
        let principal = Principal(accountID: Int64.random(in: 1...1_000_000), plan: "free")
        let now = Date()
        return try (0..<4).map { _ in
            let state = try limiter.consume(principal: principal, clientAddress: "127.0.0.1", now: now, services: services)
            return state.allowed ? state.remaining : -1
        }
    }

    @Test("counted in MariaDB when no shared file is configured")
    func database() throws {
        #expect(try Self.remaining(DatabaseRateLimiter(), Self.services()) == [2, 1, 0, -1])
    }

    @Test("counted in the shared file, and in MariaDB once the file's slots for the key are taken")
    func sharedFileAndFallback() throws {
        let services = try Self.services()
        let path = NSTemporaryDirectory() + "skannr-rl-\(UUID().uuidString)"
        defer { unlink(path) }
        let roomy = try SharedWindowCounters(path: path, slotCount: 1024)
        #expect(try Self.remaining(DatabaseRateLimiter(sharedCounters: roomy), services) == [2, 1, 0, -1])
        let rows = try Connection(config: services.configuration.database).queryOne("SELECT COUNT(*) AS n FROM rate_limit_counters")?.int("n")
        #expect(rows == 0, "nothing reached MariaDB while the file had room")

        let fullPath = path + "-full"
        defer { unlink(fullPath) }
        let full = try SharedWindowCounters(path: fullPath, slotCount: 8)
        let window = Int64(Date().timeIntervalSince1970) / 60 * 60
        for index in 0..<8 { _ = full.hit(key: "other\(index)", windowStart: window) }
        #expect(try Self.remaining(DatabaseRateLimiter(sharedCounters: full), services) == [2, 1, 0, -1])
    }
}
