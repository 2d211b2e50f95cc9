// Applies LoginThrottlePolicy to one sign-in attempt (submitted email + client address, an IPv6
// client by its /64): `reserve` counts the attempt as a failure BEFORE the password is hashed, in
// one transaction over its counters, so 40 parallel guesses from one address get at most the
// threshold checked; `release`/`succeeded` take the reservation back when it was no failure.
// Refusals (429 `rate_limited` + Retry-After) are the same for known and unknown emails; emails
// and addresses are stored only as SHA-256. A refused attempt counts nothing (hammering a lock
// does not stretch it). No sleeping in the responder: the progressive delay is the doubling lock.
import Foundation
import SkannrCore
import SkannrCrypto
import SkannrStore

struct LoginThrottle {
    let store: LoginThrottleStore
    let stores: Stores
    let policy: LoginThrottlePolicy
    let account: ThrottleKey
    let address: ThrottleKey
    let pair: ThrottleKey
    /// SHA-256 of the client key: how login_known_addresses names this address.
    let addressHash: [UInt8]

    init(stores: Stores, policy: LoginThrottlePolicy, email: String, clientAddress: String) {
        self.stores = stores
        self.policy = policy
        store = stores.loginThrottle
        let client = ClientAddressKey.key(for: clientAddress)
        account = ThrottleKey(scope: "account", subject: Hex.encode(Digest.sha256(email)))
        address = ThrottleKey(scope: "ip", subject: client)
        pair = ThrottleKey(scope: "account_ip", subject: Hex.encode(Digest.sha256(client + "\n" + email)))
        addressHash = Self.knownAddressHash(client)
    }

    static func knownAddressHash(_ clientKey: String) -> [UInt8] { Digest.sha256("known-address\n" + clientKey) }

    /// Registration is a successful sign-in too: the address it came from is a known one at once.
    static func rememberRegistration(userID: Int64, clientAddress: String, stores: Stores, policy: LoginThrottlePolicy, now: Date) throws {
        try stores.loginThrottle.rememberAddress(
            userID: userID, addressHash: knownAddressHash(ClientAddressKey.key(for: clientAddress)), now: now, keep: policy.knownAddresses)
    }

    static func lockedError(retryAfter seconds: TimeInterval) -> APIError {
        var error = APIError(.rateLimited, "Too many failed sign-in attempts; try again later")
        error.headers = [("Retry-After", "\(max(1, Int(seconds.rounded(.up))))")]
        return error
    }

    /// Whether `userID` signed in from this address (or /64) lately: such an address is not held
    /// to the account-wide cap, so strangers failing from elsewhere cannot lock the owner out.
    func isKnownAddress(for user: UserRecord?) throws -> Bool {
        guard let user else { return false }
        return try store.isKnownAddress(userID: user.id, addressHash: addressHash)
    }

    /// Counts this attempt as a failure on the pair, the address and (for an address the account
    /// has not signed in from lately) the account, locking any that reach their threshold; throws
    /// 429 and counts nothing while any of them is locked.
    func reserve(now: Date, knownAddress: Bool) throws {
        let keys = knownAddress ? [pair, address] : [pair, address, account]
        // Parallel first attempts race to insert the same new rows; InnoDB may pick a deadlock victim
        // (1213): the transaction is re-run (transaction() once, this loop twice more).
        for attempt in 1...3 {
            do {
                try stores.transaction { tx in
                    for key in keys {
                        if case .locked(let until) = try tx.loginThrottle.reserve(key, now: now, windowSeconds: windowSeconds(key),
                                                                       lockUntil: { lockUntil(key, failures: $0, windowStart: $1, now: now) }) {
                            throw Self.lockedError(retryAfter: until.timeIntervalSince(now))  // rolls back the others
                        }
                    }
                }
                break
            } catch let error where DatabaseFailure(error) == .deadlock && attempt < 3 {
                continue
            }
        }
        if UInt32.random(in: 0..<200) == 0 {
            _ = try? store.purge(before: now.addingTimeInterval(-Double(max(policy.windowSeconds, 3600) + policy.maxLockSeconds)), now: now)
        }
    }

    func windowSeconds(_ key: ThrottleKey) -> Int { key == account ? 3600 : policy.windowSeconds }

    func lockUntil(_ key: ThrottleKey, failures: Int, windowStart: Date, now: Date) -> Date? {
        switch key {
        case account:
            // A progressive lock, not one to the hour's end: a new address of the owner waits a minute
            // or two, not an hour (the known ones never wait for it).
            return policy.lockDuration(failures: failures, threshold: policy.accountMaxFailuresPerHour).map { now.addingTimeInterval(Double($0)) }
        case address:
            return policy.lockDuration(failures: failures, threshold: policy.ipMaxFailures).map { now.addingTimeInterval(Double($0)) }
        default:
            return policy.lockDuration(failures: failures, threshold: policy.maxFailures).map { now.addingTimeInterval(Double($0)) }
        }
    }

    /// The attempt was no failure (right password, second factor still to come): uncount it.
    func release(knownAddress: Bool) throws {
        try stores.transaction { _ in
            for key in knownAddress ? [pair, address] : [pair, address, account] { try store.release(key) }
        }
    }

    /// A successful sign-in: this address's failures for the email are forgotten, the reservation
    /// on the address and account caps is taken back, and the address becomes a known one.
    func succeeded(userID: Int64, knownAddress: Bool, now: Date) throws {
        try stores.transaction { _ in
            try store.clear(pair)
            try store.release(address)
            if !knownAddress { try store.release(account) }
            try store.rememberAddress(userID: userID, addressHash: addressHash, now: now, keep: policy.knownAddresses)
        }
    }
}
