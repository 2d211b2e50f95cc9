// The auth stores against a real MariaDB: users (duplicate email, TOTP step claimed once,
// recovery codes once), refresh-token rotation and reuse (also two connections racing),
// login-throttle windows and locks, and rate-limit counters exact under concurrent hits.
import Foundation
import MariaDB
import SkannrStore
import Synchronization
import Testing
import TestSupport

@Suite("Auth stores", .needsDatabase)
struct AuthStoreTests {
    let config: MariaDBConfig
    let db: Connection
    let now = Date(timeIntervalSince1970: 1_900_000_000)

    init() throws {
        config = try TestDatabase.migratedDatabase(named: "auth")
        db = try Connection(config: config)
    }

    func makeUser(_ email: String = "a@example.com") throws -> UserRecord {
        try UserStore(connection: db).create(name: "A", email: email, passwordHash: "$argon2id$x", now: now)
    }

    @Test("a user round-trips and a second insert of the email is a duplicate key")
    func duplicateEmail() throws {
        let user = try makeUser()
        #expect(user.email == "a@example.com" && user.plan == "free" && !user.mfaEnabled && user.createdAt == now)
        #expect(try UserStore(connection: db).find(email: "a@example.com") == user)
        do {
            _ = try makeUser()
            Issue.record("the duplicate was inserted")
        } catch {
            #expect((error as? MariaDBError)?.isDuplicateKey == true)
        }
    }

    @Test("a TOTP step is claimed once and never an earlier one")
    func totpStep() throws {
        let user = try makeUser()
        let users = UserStore(connection: db)
        #expect(try users.claimTOTPStep(userID: user.id, step: 100))
        #expect(try !users.claimTOTPStep(userID: user.id, step: 100))
        #expect(try !users.claimTOTPStep(userID: user.id, step: 99))
        #expect(try users.claimTOTPStep(userID: user.id, step: 101))
    }

    @Test("enabling MFA needs the same pending secret; recovery codes work once; disabling clears them")
    func mfaLifecycle() throws {
        let user = try makeUser()
        let users = UserStore(connection: db)
        #expect(try users.setPendingMFASecret(userID: user.id, sealed: [1, 2, 3], now: now))
        #expect(try !users.enableMFA(userID: user.id, pending: [9], step: 5, recoveryCodeHashes: [], now: now))
        let hashes = (0..<10).map { [UInt8](repeating: UInt8($0), count: 32) }
        #expect(try users.enableMFA(userID: user.id, pending: [1, 2, 3], step: 5, recoveryCodeHashes: hashes, now: now))
        let enabled = try #require(try users.find(id: user.id))
        #expect(enabled.mfaEnabled && enabled.mfaSecret == [1, 2, 3] && enabled.mfaPendingSecret == nil && enabled.mfaLastStep == 5)
        #expect(try !users.setPendingMFASecret(userID: user.id, sealed: [4], now: now), "no setup while MFA is on")
        #expect(try users.useRecoveryCode(userID: user.id, codeHash: hashes[2], now: now))
        #expect(try !users.useRecoveryCode(userID: user.id, codeHash: hashes[2], now: now))
        #expect(try users.unusedRecoveryCodeCount(userID: user.id) == 9)
        try users.disableMFA(userID: user.id, now: now)
        let disabled = try #require(try users.find(id: user.id))
        #expect(!disabled.mfaEnabled && disabled.mfaSecret == nil && disabled.mfaLastStep == 5)
        #expect(try users.unusedRecoveryCodeCount(userID: user.id) == 0)
    }

    @Test("rotation marks the token used; presenting it again revokes the family")
    func rotation() throws {
        let user = try makeUser()
        let store = RefreshTokenStore(connection: db)
        let expires = now.addingTimeInterval(3600)
        try store.issue(userID: user.id, familyID: Array(repeating: 1, count: 16), tokenHash: Array(repeating: 0xA, count: 32), now: now, expiresAt: expires)
        #expect(try store.rotate(oldHash: Array(repeating: 0xA, count: 32), newHash: Array(repeating: 0xB, count: 32), now: now, expiresAt: expires) == .rotated(userID: user.id))
        #expect(try store.rotate(oldHash: Array(repeating: 0xA, count: 32), newHash: Array(repeating: 0xC, count: 32), now: now, expiresAt: expires) == .reused(userID: user.id))
        #expect(try store.rotate(oldHash: Array(repeating: 0xB, count: 32), newHash: Array(repeating: 0xD, count: 32), now: now, expiresAt: expires) == .invalid)
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM refresh_tokens WHERE revoked_at IS NULL")?.int("n") == 0)
        #expect(try store.rotate(oldHash: Array(repeating: 0xE, count: 32), newHash: Array(repeating: 0xF, count: 32), now: now, expiresAt: expires) == .invalid)
    }

    @Test("an expired refresh token does not rotate (injected clock)")
    func expiry() throws {
        let user = try makeUser()
        let store = RefreshTokenStore(connection: db)
        try store.issue(userID: user.id, familyID: Array(repeating: 2, count: 16), tokenHash: Array(repeating: 1, count: 32), now: now, expiresAt: now.addingTimeInterval(7 * 86400))
        let later = now.addingTimeInterval(7 * 86400 + 1)
        #expect(try store.rotate(oldHash: Array(repeating: 1, count: 32), newHash: Array(repeating: 2, count: 32), now: later, expiresAt: later) == .invalid)
        let justBefore = now.addingTimeInterval(7 * 86400 - 1)
        #expect(try store.rotate(oldHash: Array(repeating: 1, count: 32), newHash: Array(repeating: 3, count: 32), now: justBefore, expiresAt: later) == .rotated(userID: user.id))
    }

    @Test("two connections rotating one token at once: one rotates, the other sees a reuse")
    func concurrentRotation() throws {
        let user = try makeUser()
        try RefreshTokenStore(connection: db).issue(userID: user.id, familyID: Array(repeating: 3, count: 16), tokenHash: Array(repeating: 7, count: 32), now: now, expiresAt: now.addingTimeInterval(3600))
        let outcomes = Mutex<[String]>([])
        let config = self.config
        let now = self.now
        let threads = (0..<2).map { index in
            Thread {
                let outcome: String
                if let connection = try? Connection(config: config),
                   let result = try? RefreshTokenStore(connection: connection).rotate(
                       oldHash: Array(repeating: 7, count: 32), newHash: Array(repeating: UInt8(20 + index), count: 32),
                       now: now, expiresAt: now.addingTimeInterval(3600)) {
                    outcome = "\(result)"
                } else {
                    outcome = "error"
                }
                outcomes.withLock { $0.append(outcome) }
            }
        }
        threads.forEach { $0.start() }
        while outcomes.withLock({ $0.count }) < 2 { usleep(2_000) }
        let results = outcomes.withLock { $0 }.sorted()
        #expect(results == ["reused(userID: \(user.id))", "rotated(userID: \(user.id))"])
    }

    @Test("reservations count within the window and restart after it; a running lock refuses without counting; release takes one back")
    func throttle() throws {
        let store = LoginThrottleStore(connection: db)
        let key = ThrottleKey(scope: "account_ip", subject: "abc")
        let lockAtThree: (Int, Date) -> Date? = { failures, _ in failures >= 3 ? self.now.addingTimeInterval(1060) : nil }
        #expect(try store.reserve(key, now: now, windowSeconds: 900, lockUntil: lockAtThree) == .granted)
        #expect(try store.reserve(key, now: now.addingTimeInterval(10), windowSeconds: 900, lockUntil: lockAtThree) == .granted)
        #expect(try store.counter(key)?.failures == 2)
        #expect(try store.reserve(key, now: now.addingTimeInterval(1000), windowSeconds: 900, lockUntil: lockAtThree) == .granted)
        let restarted = try store.counter(key)
        #expect(restarted?.failures == 1 && restarted?.windowStartedAt == now.addingTimeInterval(1000), "a new window")
        #expect(try store.reserve(key, now: now.addingTimeInterval(1001), windowSeconds: 900, lockUntil: lockAtThree) == .granted)
        #expect(try store.reserve(key, now: now.addingTimeInterval(1002), windowSeconds: 900, lockUntil: lockAtThree) == .granted)
        #expect(try store.counter(key)?.lockedUntil == now.addingTimeInterval(1060), "the third reservation locked the key")
        #expect(try store.reserve(key, now: now.addingTimeInterval(1003), windowSeconds: 900, lockUntil: lockAtThree)
                == .locked(until: now.addingTimeInterval(1060)))
        #expect(try store.counter(key)?.failures == 3, "a refused attempt counts nothing")
        try store.release(key)
        #expect(try store.counter(key)?.failures == 2 && store.counter(key)?.lockedUntil == nil, "release takes the attempt and its lock back")
        try store.clear(key)
        #expect(try store.counter(key) == nil)
    }

    @Test("rate-limit hits count 1, 2, 3 per bucket and window")
    func rateLimitCounts() throws {
        let store = RateLimitStore(connection: db)
        #expect(try (0..<3).map { _ in try store.hit(bucket: "ip:203.0.113.9", windowStart: 60) } == [1, 2, 3])
        #expect(try store.hit(bucket: "ip:203.0.113.9", windowStart: 120) == 1)
        #expect(try store.hit(bucket: "a:1", windowStart: 60) == 1)
        #expect(try store.purge(windowsBefore: 120) == 2)
    }

    @Test("the anonymous default of 120: the 121st hit of a window is over, and no hit is lost across 4 connections")
    func rateLimitConcurrent() throws {
        let config = self.config
        let seen = Mutex<[Int]>([])
        let threads = (0..<4).map { _ in
            Thread {
                guard let connection = try? Connection(config: config) else { return }
                let store = RateLimitStore(connection: connection)
                for _ in 0..<40 {
                    if let count = try? store.hit(bucket: "ip:198.51.100.7", windowStart: 600) { seen.withLock { $0.append(count) } }
                }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(60)
        while seen.withLock({ $0.count }) < 160, Date() < deadline { usleep(5_000) }
        let counts = seen.withLock { $0 }.sorted()
        #expect(counts == Array(1...160))
        #expect(counts.filter { $0 > 120 }.count == 40, "hits 121... are refused with a limit of 120")
    }
}
