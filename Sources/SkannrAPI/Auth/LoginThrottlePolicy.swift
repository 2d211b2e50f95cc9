// How failed logins are throttled (pure numbers; LoginThrottle applies them). Three counters:
//  - account_ip (the submitted email from one client address): after `maxFailures` in `window`,
//    each further failure locks the pair for `lockSeconds`, doubling up to `maxLockSeconds`.
//    This is what stops guessing, and it locks only the attacker's address: the real user
//    from another address is not locked out by a stranger.
//  - account (the email from every address): a hard cap of `accountMaxFailuresPerHour` per fixed
//    hour, locking until the hour ends. Two adjacent hours allow at most 2x the cap in any rolling
//    hour: the default 50 keeps ASVS V2.2.1's "at most 100 failed attempts per hour" against a
//    distributed attack, which needs many addresses to get there (each pair locks after 5).
//  - ip (one address, every email): credential stuffing; `ipMaxFailures` per window, then locks
//    like the pair. High by default since many users may share one address (NAT).
// Emails are throttled by the submitted string, so known and unknown emails answer alike.
import SkannrSettings
import Foundation

public struct LoginThrottlePolicy: Sendable, Equatable {
    public var maxFailures = 5
    public var windowSeconds = 900
    public var lockSeconds = 60
    public var maxLockSeconds = 900
    public var ipMaxFailures = 50
    public var accountMaxFailuresPerHour = 50

    public init() {}

    public init(settings: Settings) throws {
        maxFailures = try settings.int("SKANNR_LOGIN_MAX_FAILURES", default: maxFailures)
        windowSeconds = try settings.int("SKANNR_LOGIN_WINDOW_SECONDS", default: windowSeconds)
        lockSeconds = try settings.int("SKANNR_LOGIN_LOCK_SECONDS", default: lockSeconds)
        maxLockSeconds = try settings.int("SKANNR_LOGIN_MAX_LOCK_SECONDS", default: maxLockSeconds)
        ipMaxFailures = try settings.int("SKANNR_LOGIN_IP_MAX_FAILURES", default: ipMaxFailures)
        accountMaxFailuresPerHour = try settings.int("SKANNR_LOGIN_ACCOUNT_MAX_FAILURES_PER_HOUR", default: accountMaxFailuresPerHour)
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
