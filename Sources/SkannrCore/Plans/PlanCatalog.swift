// Limits per plan and the checks the targets API runs on create and update. Every refusal is a
// PlanLimitError (403 `plan_limit`) whose message names the limit and the plan.
public struct PlanLimitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Which limit: "max_targets", "max_cidr_addresses", "scan_profiles", "max_custom_ports",
    /// "min_interval_minutes", "max_channels".
    public let limit: String
    public let message: String
    public var code: String { "plan_limit" }

    public init(limit: String, message: String) {
        self.limit = limit
        self.message = message
    }
    public var description: String { message }
}

public struct PlanCatalog: Sendable, Equatable {
    private var table: [Plan: PlanLimits]

    public static let defaults = PlanCatalog()

    /// The contract's defaults, with any plan replaced by `overrides` (from configuration).
    public init(overrides: [Plan: PlanLimits] = [:]) {
        table = [.free: .freeDefaults, .pro: .proDefaults, .business: .businessDefaults]
        table.merge(overrides) { _, new in new }
    }

    public func limits(for plan: Plan) -> PlanLimits { table[plan] ?? .freeDefaults }

    /// Checks a target being created (`existingTargets` = how many the account has now, without
    /// this one) or updated (`existingTargets` = nil: the count is not checked again).
    /// `intervalMinutes` nil means on demand only, always allowed.
    public func checkTarget(plan: Plan, existingTargets: Int?, address: TargetAddress,
                            profile: ScanProfile, customPorts: PortList?,
                            intervalMinutes: Int?) throws(PlanLimitError) {
        let limits = limits(for: plan)
        let name = plan.displayName
        if let existing = existingTargets, existing >= limits.maxTargets {
            throw PlanLimitError(limit: "max_targets",
                message: "The \(name) plan allows \(limits.maxTargets) targets")
        }
        if case .cidr(let block) = address, block.addressCount > limits.maxCIDRAddresses {
            throw PlanLimitError(limit: "max_cidr_addresses",
                message: "The \(name) plan allows CIDR ranges of up to \(limits.maxCIDRAddresses) addresses; \(block) has \(block.addressCount == .max ? "more than \(UInt64.max)" : "\(block.addressCount)")")
        }
        try checkProfile(plan: plan, profile: profile, customPorts: customPorts)
        try checkInterval(plan: plan, minutes: intervalMinutes)
    }

    /// The scan-profile and custom-port limits alone, for an update that changes the profile or
    /// the ports (an update re-checks only what it changes).
    public func checkProfile(plan: Plan, profile: ScanProfile, customPorts: PortList?) throws(PlanLimitError) {
        let limits = limits(for: plan)
        guard limits.scanProfiles.contains(profile) else {
            let allowed = limits.orderedScanProfiles.map(\.rawValue).joined(separator: ", ")
            throw PlanLimitError(limit: "scan_profiles",
                message: "The \(plan.displayName) plan allows the scan profiles \(allowed), not \(profile.rawValue)")
        }
        if profile == .custom, let maxPorts = limits.maxCustomPorts, let ports = customPorts, ports.count > maxPorts {
            throw PlanLimitError(limit: "max_custom_ports",
                message: "The \(plan.displayName) plan allows custom port lists of up to \(maxPorts) ports; this one has \(ports.count)")
        }
    }

    /// The interval limit alone, for an update that changes the interval; nil (on demand) always passes.
    public func checkInterval(plan: Plan, minutes: Int?) throws(PlanLimitError) {
        let limits = limits(for: plan)
        if let interval = minutes, interval < limits.minIntervalMinutes {
            throw PlanLimitError(limit: "min_interval_minutes",
                message: "The \(plan.displayName) plan allows scans at most every \(limits.minIntervalMinutes) minutes")
        }
    }

    /// A new notification channel, with `existing` channels on the account now.
    public func checkChannels(plan: Plan, existing: Int) throws(PlanLimitError) {
        let limit = limits(for: plan).maxChannels
        if existing >= limit {
            throw PlanLimitError(limit: "max_channels",
                message: "The \(plan.displayName) plan allows \(limit) notification channels")
        }
    }
}
