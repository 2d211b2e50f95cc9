// Plan limits as the targets API checks them.
import Testing
@testable import SkannrCore

@Suite("Plan limits")
struct PlanTests {
    let catalog = PlanCatalog.defaults

    func check(_ plan: Plan, existing: Int? = 0, _ address: String = "8.8.8.8", profile: ScanProfile = .standard,
               ports: String? = nil, interval: Int? = nil) throws {
        // A fixture that does not parse throws its own error, so no case passes on other input.
        let parsed = try TargetAddress.parse(address)
        let list = try ports.map { try PortList.parse($0) }
        try catalog.checkTarget(plan: plan, existingTargets: existing, address: parsed, profile: profile,
                                customPorts: list, intervalMinutes: interval)
    }

    @Test("defaults follow the contract's table")
    func defaults() {
        #expect(catalog.limits(for: .free).maxTargets == 3)
        #expect(catalog.limits(for: .free).maxCIDRAddresses == 16)
        #expect(catalog.limits(for: .free).orderedScanProfiles == [.quick, .standard, .custom])
        #expect(catalog.limits(for: .pro).maxCIDRAddresses == 256)
        #expect(catalog.limits(for: .business).minIntervalMinutes == 15)
        #expect(catalog.limits(for: .business).requestsPerMinute == 3000)
    }

    @Test("the target count is limited on create and not on update")
    func targetCount() throws {
        try check(.free, existing: 2)
        #expect(throws: PlanLimitError(limit: "max_targets", message: "The free plan allows 3 targets")) {
            try check(.free, existing: 3)
        }
        try check(.free, existing: nil)
        try check(.pro, existing: 24)
    }

    @Test("CIDR size, profiles, custom ports and interval each name their limit")
    func limits() throws {
        try check(.free, "203.0.112.0/28")
        #expect { try check(.free, "203.0.112.0/27") } throws: { ($0 as? PlanLimitError)?.limit == "max_cidr_addresses" }
        try check(.pro, "203.0.112.0/24")
        try check(.business, "203.0.112.0/20")
        #expect { try check(.business, "203.0.96.0/19") } throws: { ($0 as? PlanLimitError)?.limit == "max_cidr_addresses" }
        #expect { try check(.free, profile: .full) } throws: { ($0 as? PlanLimitError)?.limit == "scan_profiles" }
        try check(.pro, profile: .full)
        try check(.free, profile: .custom, ports: "1-1000")
        #expect { try check(.free, profile: .custom, ports: "1-1001") } throws: { ($0 as? PlanLimitError)?.limit == "max_custom_ports" }
        try check(.pro, profile: .custom, ports: "1-65535")
        try check(.free, interval: 1440)
        try check(.free, interval: nil)
        #expect { try check(.free, interval: 60) } throws: {
            ($0 as? PlanLimitError)?.message == "The free plan allows scans at most every 1440 minutes"
        }
    }

    @Test("an update re-checks the profile or the interval alone, with the same refusals as a create")
    func updateChecks() throws {
        try catalog.checkProfile(plan: .free, profile: .custom, customPorts: try PortList.parse("1-1000"))
        #expect(throws: PlanLimitError(limit: "scan_profiles", message: "The free plan allows the scan profiles quick, standard, custom, not full")) {
            try catalog.checkProfile(plan: .free, profile: .full, customPorts: nil)
        }
        #expect { try catalog.checkProfile(plan: .free, profile: .custom, customPorts: try PortList.parse("1-1001")) } throws: {
            ($0 as? PlanLimitError)?.limit == "max_custom_ports"
        }
        try catalog.checkInterval(plan: .business, minutes: 15)
        try catalog.checkInterval(plan: .free, minutes: nil)
        #expect(throws: PlanLimitError(limit: "min_interval_minutes", message: "The pro plan allows scans at most every 60 minutes")) {
            try catalog.checkInterval(plan: .pro, minutes: 59)
        }
    }

    @Test("configuration overrides replace one plan's limits")
    func overrides() {
        var free = PlanLimits.freeDefaults
        free.maxTargets = 5
        let custom = PlanCatalog(overrides: [.free: free])
        #expect(custom.limits(for: .free).maxTargets == 5)
        #expect(custom.limits(for: .pro) == .proDefaults)
    }
}
