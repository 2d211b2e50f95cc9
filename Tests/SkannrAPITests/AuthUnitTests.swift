// Auth pieces that need no database: registration input rules, the throttle's lock schedule,
// plan overrides from settings, and auth settings validation.
import SkannrSettings
import Foundation
import SkannrCore
@testable import SkannrAPI
import Testing

@Suite("Auth rules")
struct AuthUnitTests {
    @Test("emails in the accepted subset of RFC 5322", arguments: [
        "a@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie", "x_y-z@a-b.example",
    ])
    func validEmails(email: String) {
        #expect(Credentials.emailProblem(email) == nil)
    }

    @Test("emails outside it", arguments: [
        "", "plain", "a@b", "@example.com", "a@", "a..b@example.com", "a.@example.com", "a@example..com",
        "a@-x.com", "a@x-.com", "a b@example.com", "a@exa mple.com", "a@example.c0m", "\"q\"@example.com",
        "ä@example.com", String(repeating: "a", count: 65) + "@example.com",
        "a@" + String(repeating: "b", count: 250) + ".com",
    ])
    func invalidEmails(email: String) {
        #expect(Credentials.emailProblem(email) != nil)
    }

    @Test("emails are trimmed and lowercased")
    func normalize() {
        #expect(Credentials.normalizeEmail("  Foo.Bar@Example.COM\n") == "foo.bar@example.com")
    }

    @Test("names are 1–100 characters after trimming, without control characters")
    func names() {
        #expect(Credentials.nameProblem(Credentials.normalizeName("  Ada  ")) == nil)
        #expect(Credentials.nameProblem(String(repeating: "é", count: 100)) == nil)
        #expect(Credentials.nameProblem(Credentials.normalizeName("   ")) != nil)
        #expect(Credentials.nameProblem(String(repeating: "n", count: 101)) != nil)
        #expect(Credentials.nameProblem("a\u{0}b") != nil)
    }

    @Test("passwords are 10–1024 characters")
    func passwords() {
        #expect(Credentials.passwordProblem("123456789") != nil)
        #expect(Credentials.passwordProblem("1234567890") == nil)
        #expect(Credentials.passwordProblem(String(repeating: "p", count: 1024)) == nil)
        #expect(Credentials.passwordProblem(String(repeating: "p", count: 1025)) != nil)
    }

    @Test("locks start at the threshold, double, and stop at the maximum")
    func lockSchedule() {
        let policy = LoginThrottlePolicy()
        #expect(policy.lockDuration(failures: 4, threshold: 5) == nil)
        #expect(policy.lockDuration(failures: 5, threshold: 5) == 60)
        #expect(policy.lockDuration(failures: 6, threshold: 5) == 120)
        #expect(policy.lockDuration(failures: 9, threshold: 5) == 900)
        #expect(policy.lockDuration(failures: 500, threshold: 5) == 900)
    }

    @Test("with the default policy one address gets at most 11 guesses per hour at an email, and an email 100 in any hour")
    func asvsCap() {
        let policy = LoginThrottlePolicy()
        var elapsed = 0
        var failures = 0
        while elapsed < 3600 {
            failures += 1
            elapsed += policy.lockDuration(failures: failures, threshold: policy.maxFailures) ?? 0
        }
        #expect(failures <= 11)
        #expect(2 * policy.accountMaxFailuresPerHour <= 100)
    }

    static let baseSettings = ["SKANNR_JWT_KEYS": "k1:" + String(repeating: "A", count: 44)]

    @Test("plan limits are overridable one setting at a time")
    func planOverrides() throws {
        let settings = Settings(values: Self.baseSettings.merging([
            "SKANNR_PLAN_FREE_REQUESTS_PER_MINUTE": "5", "SKANNR_PLAN_PRO_MAX_TARGETS": "30",
            "SKANNR_PLAN_BUSINESS_SCAN_PROFILES": "quick, full", "SKANNR_PLAN_FREE_MAX_CUSTOM_PORTS": "0",
        ]) { $1 })
        let plans = try APIConfiguration(settings: settings).plans
        #expect(plans.limits(for: .free).requestsPerMinute == 5)
        #expect(plans.limits(for: .free).maxCustomPorts == nil)
        #expect(plans.limits(for: .free).maxTargets == 3)
        #expect(plans.limits(for: .pro).maxTargets == 30 && plans.limits(for: .pro).requestsPerMinute == 600)
        #expect(plans.limits(for: .business).scanProfiles == [.quick, .full])
        #expect(try APIConfiguration(settings: Settings(values: Self.baseSettings)).plans == PlanCatalog.defaults)
    }

    @Test("bad plan, argon2 and MFA key settings stop the start-up", arguments: [
        ["SKANNR_PLAN_FREE_REQUESTS_PER_MINUTE": "0"], ["SKANNR_PLAN_PRO_SCAN_PROFILES": "fast"],
        ["SKANNR_ARGON2_MEMORY_KIB": "lots"], ["SKANNR_ARGON2_ITERATIONS": "0"],
        ["SKANNR_MFA_KEY": "c2hvcnQ="], ["SKANNR_LOGIN_ACCOUNT_MAX_FAILURES_PER_HOUR": "500"],
    ])
    func badSettings(extra: [String: String]) {
        #expect(throws: (any Error).self) { try APIConfiguration(settings: Settings(values: Self.baseSettings.merging(extra) { $1 })) }
    }

    @Test("auth settings have the documented defaults")
    func defaults() throws {
        let auth = try APIConfiguration(settings: Settings(values: Self.baseSettings.merging(
            ["SKANNR_MFA_KEY": Data(repeating: 7, count: 32).base64EncodedString()]) { $1 })).auth
        #expect(auth.passwordHasher.memoryKiB == 19456 && auth.passwordHasher.iterations == 2 && auth.passwordHasher.parallelism == 1)
        #expect(auth.mfaBox != nil)
        #expect(auth.refreshTokenTTL == 7 * 86400)
        #expect(auth.throttle == LoginThrottlePolicy())
    }
}
