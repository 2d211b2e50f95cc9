// How failed sign-ins are throttled (pure numbers; LoginThrottle applies them). OWASP ASVS V2.2:
//  - account_ip (the submitted email from one client address, an IPv6 client by its /64): after
//    `maxFailures` in `window`, each further failure locks the pair for `lockSeconds`, doubling up
//    to `maxLockSeconds` (the progressive delay). This is what stops guessing, and it locks only
//    the attacker's address.
//  - account (the email from addresses it has not signed in from lately): after
//    `accountMaxFailuresPerHour` in a fixed hour, such addresses are locked like the pair (60 s,
//    doubling to 15 min). The default 40 keeps ASVS V2.2.1 (at most 100 failures in any rolling
//    hour: 40 + the ~7 the doubling locks let through, twice). The `knownAddresses` latest addresses
//    of successful sign-ins (registration included) are not held to it, so a distributed attack
//    cannot lock the owner out of where they usually are.
//  - ip (one address or /64, every email): credential stuffing; `ipMaxFailures` per window, then
//    locks like the pair. High by default since many users may share one address (NAT).
// Emails are throttled by the submitted string, so known and unknown emails answer alike.
import SkannrSettings
import Foundation

public struct LoginThrottlePolicy: Sendable, Equatable {
    public var maxFailures = 5
    public var windowSeconds = 900
    public var lockSeconds = 60
    public var maxLockSeconds = 900
    public var ipMaxFailures = 50
    public var accountMaxFailuresPerHour = 40
    /// Latest addresses (or /64s) of successful sign-ins per account that skip the account cap.
    public var knownAddresses = 5

    public init() {}

    public init(settings: Settings) throws {
        maxFailures = try settings.int("SKANNR_LOGIN_MAX_FAILURES", default: maxFailures)
        windowSeconds = try settings.int("SKANNR_LOGIN_WINDOW_SECONDS", default: windowSeconds)
        lockSeconds = try settings.int("SKANNR_LOGIN_LOCK_SECONDS", default: lockSeconds)
        maxLockSeconds = try settings.int("SKANNR_LOGIN_MAX_LOCK_SECONDS", default: maxLockSeconds)
        ipMaxFailures = try settings.int("SKANNR_LOGIN_IP_MAX_FAILURES", default: ipMaxFailures)
        accountMaxFailuresPerHour = try settings.int("SKANNR_LOGIN_ACCOUNT_MAX_FAILURES_PER_HOUR", default: accountMaxFailuresPerHour)
        knownAddresses = try settings.int("SKANNR_LOGIN_KNOWN_ADDRESSES", default: knownAddresses, min: 0)
        guard maxFailures >= 1, windowSeconds >= 1, lockSeconds >= 1, maxLockSeconds >= lockSeconds,
              ipMaxFailures >= 1, (1...100).contains(accountMaxFailuresPerHour) else {
            throw SettingsError("SKANNR_LOGIN_*: counts and durations must be positive, MAX_LOCK >= LOCK, and the account cap 1–100 per hour")
        }
    }

    /// The lock after the `failures`-th failure of a window whose threshold is `threshold`:
    /// nil below it, then lockSeconds, doubling per further failure, capped at maxLockSeconds.
    public func lockDuration(failures: Int, threshold: Int) -> Int? {
        guard failures >= threshold else { return nil }
        let doublings = min(failures - threshold, 30)
        return min(lockSeconds << doublings, maxLockSeconds)
    }
}
