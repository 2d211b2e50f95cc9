// Plan limits from configuration: SKANNR_PLAN_<FREE|PRO|BUSINESS>_<LIMIT> overrides one number of
// the contract's table (REQUESTS_PER_MINUTE, MAX_TARGETS, MAX_CIDR_ADDRESSES, MIN_INTERVAL_MINUTES,
// MAX_CUSTOM_PORTS (0 = no limit), MAX_CHANNELS, SCAN_PROFILES as a comma list), and
// SKANNR_BILLING_GRACE_DAYS (how long a past-due subscription keeps its plan). Unset keys keep the defaults. Parsed here once
// for skannr-api and skannr-scanner, so the API and the runner enforce the same numbers.
import Foundation
import SkannrCore

public struct PlanSettings: Sendable, Equatable {
    public var catalog: PlanCatalog
    /// Days a past-due subscription keeps its plan (SKANNR_BILLING_GRACE_DAYS, default 7).
    public var billingGraceDays: Int

    public init(settings: Settings) throws(SettingsError) {
        catalog = try Self.catalog(from: settings)
        billingGraceDays = try settings.int("SKANNR_BILLING_GRACE_DAYS", default: 7, min: 0)
    }

    public static func catalog(from settings: Settings) throws(SettingsError) -> PlanCatalog {
        var overrides: [Plan: PlanLimits] = [:]
        for plan in Plan.allCases {
            let defaults = PlanCatalog.defaults.limits(for: plan)
            let limits = try limits(for: plan, defaults: defaults, settings)
            if limits != defaults { overrides[plan] = limits }
        }
        return PlanCatalog(overrides: overrides)
    }

    private static func limits(for plan: Plan, defaults: PlanLimits, _ settings: Settings) throws(SettingsError) -> PlanLimits {
        var limits = defaults
        let prefix = "SKANNR_PLAN_\(plan.rawValue.uppercased())_"
        limits.requestsPerMinute = try settings.int(prefix + "REQUESTS_PER_MINUTE", default: defaults.requestsPerMinute, min: 1)
        limits.maxTargets = try settings.int(prefix + "MAX_TARGETS", default: defaults.maxTargets, min: 1)
        limits.maxCIDRAddresses = UInt64(try settings.int(prefix + "MAX_CIDR_ADDRESSES", default: Int(clamping: defaults.maxCIDRAddresses), min: 1))
        limits.minIntervalMinutes = try settings.int(prefix + "MIN_INTERVAL_MINUTES", default: defaults.minIntervalMinutes, min: 1)
        limits.maxChannels = try settings.int(prefix + "MAX_CHANNELS", default: defaults.maxChannels, min: 0)
        if settings.values[prefix + "MAX_CUSTOM_PORTS"] != nil {
            let ports = try settings.int(prefix + "MAX_CUSTOM_PORTS", default: 0, min: 0)   // 0 = no limit
            limits.maxCustomPorts = ports == 0 ? nil : ports
        }
        if let list = settings.values[prefix + "SCAN_PROFILES"] {
            var profiles = Set<ScanProfile>()
            for name in list.split(separator: ",") {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let profile = ScanProfile(rawValue: trimmed) else {
                    throw SettingsError(key: prefix + "SCAN_PROFILES", "must list known profiles (unknown: \(trimmed.debugDescription))")
                }
                profiles.insert(profile)
            }
            guard !profiles.isEmpty else { throw SettingsError(key: prefix + "SCAN_PROFILES", "must name at least one profile") }
            limits.scanProfiles = profiles
        }
        return limits
    }
}
