// Plan limits from configuration: SKANNR_PLAN_<FREE|PRO|BUSINESS>_<LIMIT> overrides one number of
// the contract's table (REQUESTS_PER_MINUTE, MAX_TARGETS, MAX_CIDR_ADDRESSES, MIN_INTERVAL_MINUTES,
// MAX_CUSTOM_PORTS (0 = no limit), SCAN_PROFILES as a comma list). Unset keys keep the defaults.
// Shared by skannr-api and skannr-scanner, so both enforce the same numbers.
import Foundation
import SkannrCore

public enum PlanSettings {
    public static func catalog(from settings: Settings) throws -> PlanCatalog {
        var overrides: [Plan: PlanLimits] = [:]
        for plan in Plan.allCases {
            let defaults = PlanCatalog.defaults.limits(for: plan)
            var limits = defaults
            let prefix = "SKANNR_PLAN_\(plan.rawValue.uppercased())_"
            limits.requestsPerMinute = try positive(settings, prefix + "REQUESTS_PER_MINUTE", defaults.requestsPerMinute)
            limits.maxTargets = try positive(settings, prefix + "MAX_TARGETS", defaults.maxTargets)
            limits.maxCIDRAddresses = UInt64(try positive(settings, prefix + "MAX_CIDR_ADDRESSES", Int(clamping: defaults.maxCIDRAddresses)))
            limits.minIntervalMinutes = try positive(settings, prefix + "MIN_INTERVAL_MINUTES", defaults.minIntervalMinutes)
            if settings.values[prefix + "MAX_CUSTOM_PORTS"] != nil {
                let ports = try settings.int(prefix + "MAX_CUSTOM_PORTS", default: 0)
                guard ports >= 0 else { throw SettingsError("\(prefix)MAX_CUSTOM_PORTS must be 0 (no limit) or positive") }
                limits.maxCustomPorts = ports == 0 ? nil : ports
            }
            if let list = settings.values[prefix + "SCAN_PROFILES"] {
                var profiles = Set<ScanProfile>()
                for name in list.split(separator: ",") {
                    let trimmed = name.trimmingCharacters(in: .whitespaces)
                    guard let profile = ScanProfile(rawValue: trimmed) else {
                        throw SettingsError("\(prefix)SCAN_PROFILES: unknown profile \(trimmed.debugDescription)")
                    }
                    profiles.insert(profile)
                }
                guard !profiles.isEmpty else { throw SettingsError("\(prefix)SCAN_PROFILES must name at least one profile") }
                limits.scanProfiles = profiles
            }
            if limits != defaults { overrides[plan] = limits }
        }
        return PlanCatalog(overrides: overrides)
    }

    private static func positive(_ settings: Settings, _ key: String, _ fallback: Int) throws -> Int {
        let value = try settings.int(key, default: fallback)
        guard value >= 1 else { throw SettingsError("\(key) must be at least 1") }
        return value
    }
}
