// Applies LoginThrottlePolicy to one login attempt (submitted email + client address): refuse
// while any of its counters is locked (429 `rate_limited` + Retry-After, the same for known and
// unknown emails), count failures, clear the email+address pair on success. Emails are stored
// only as SHA-256 hex, so the table lists no addresses. A lock refusal does not count as a
// failure (an attacker cannot stretch a lock by hammering it). No sleeping in the responder:
// the "growing delay" is the doubling lock, which costs the server nothing.
import Foundation
import MariaDB
import SkannrCrypto
import SkannrStore

struct LoginThrottle {
    let store: LoginThrottleStore
    let connection: Connection
    let policy: LoginThrottlePolicy
    let account: ThrottleKey
    let address: ThrottleKey
    let pair: ThrottleKey

    init(connection: Connection, policy: LoginThrottlePolicy, email: String, clientAddress: String) {
        self.connection = connection
        self.policy = policy
        store = LoginThrottleStore(connection: connection)
        account = ThrottleKey(scope: "account", subject: Hex.encode(Digest.sha256(email)))
        address = ThrottleKey(scope: "ip", subject: clientAddress)
        pair = ThrottleKey(scope: "account_ip", subject: Hex.encode(Digest.sha256(clientAddress + "\n" + email)))
    }

    /// Throws 429 while the email, the address or the pair is locked.
    func checkNotLocked(now: Date) throws {
        guard let until = try store.lockedUntil([account, address, pair], now: now) else { return }
        throw Self.lockedError(retryAfter: until.timeIntervalSince(now))
    }

    static func lockedError(retryAfter seconds: TimeInterval) -> APIError {
        var error = APIError(.rateLimited, "Too many failed sign-in attempts; try again later")
        error.headers = [("Retry-After", "\(max(1, Int(seconds.rounded(.up))))")]
        return error
    }

    /// Counts a failed attempt on all three counters and sets any lock they earned.
    func recordFailure(now: Date) throws {
        try connection.transaction { _ in
            let pairCount = try store.recordFailure(pair, now: now, windowSeconds: policy.windowSeconds)
            if let seconds = policy.lockDuration(failures: pairCount.failures, threshold: policy.maxFailures) {
                try store.lock(pair, until: now.addingTimeInterval(Double(seconds)))
            }
            let addressCount = try store.recordFailure(address, now: now, windowSeconds: policy.windowSeconds)
            if let seconds = policy.lockDuration(failures: addressCount.failures, threshold: policy.ipMaxFailures) {
                try store.lock(address, until: now.addingTimeInterval(Double(seconds)))
            }
            let accountCount = try store.recordFailure(account, now: now, windowSeconds: 3600)
            if accountCount.failures >= policy.accountMaxFailuresPerHour {
                try store.lock(account, until: accountCount.windowStartedAt.addingTimeInterval(3600))
            }
        }
        if UInt32.random(in: 0..<200) == 0 {
            _ = try? store.purge(before: now.addingTimeInterval(-Double(max(policy.windowSeconds, 3600) + policy.maxLockSeconds)), now: now)
        }
    }

    /// A successful sign-in forgets this address's failures for the email. The account-wide and
    /// address-wide counters stay: they are caps an attacker must not be able to reset.
    func recordSuccess() throws {
        try store.clear(pair)
    }
}
