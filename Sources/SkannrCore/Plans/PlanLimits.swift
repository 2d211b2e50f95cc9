// What one plan allows, with the contract's defaults ("Plans" table). The numbers are
// configuration: PlanCatalog takes overrides.
public struct PlanLimits: Equatable, Sendable {
    public var maxTargets: Int
    public var maxCIDRAddresses: UInt64
    public var scanProfiles: Set<ScanProfile>
    /// Largest custom port list (number of ports); nil = no limit beyond 1-65535.
    public var maxCustomPorts: Int?
    public var minIntervalMinutes: Int
    public var requestsPerMinute: Int
    /// Notification channels (webhook, Slack, email) the account may have.
    public var maxChannels: Int

    public init(maxTargets: Int, maxCIDRAddresses: UInt64, scanProfiles: Set<ScanProfile>,
                maxCustomPorts: Int?, minIntervalMinutes: Int, requestsPerMinute: Int, maxChannels: Int) {
        self.maxTargets = maxTargets
        self.maxCIDRAddresses = maxCIDRAddresses
        self.scanProfiles = scanProfiles
        self.maxCustomPorts = maxCustomPorts
        self.minIntervalMinutes = minIntervalMinutes
        self.requestsPerMinute = requestsPerMinute
        self.maxChannels = maxChannels
    }

    /// The profiles in the contract's order, for `limits.scan_profiles` in JSON.
    public var orderedScanProfiles: [ScanProfile] { scanProfiles.sorted() }

    public static let freeDefaults = PlanLimits(
        maxTargets: 3, maxCIDRAddresses: 16, scanProfiles: [.quick, .standard, .custom],
        maxCustomPorts: 1000, minIntervalMinutes: 1440, requestsPerMinute: 60, maxChannels: 2)
    public static let proDefaults = PlanLimits(
        maxTargets: 25, maxCIDRAddresses: 256, scanProfiles: Set(ScanProfile.allCases),
        maxCustomPorts: nil, minIntervalMinutes: 60, requestsPerMinute: 600, maxChannels: 10)
    public static let businessDefaults = PlanLimits(
        maxTargets: 250, maxCIDRAddresses: 4096, scanProfiles: Set(ScanProfile.allCases),
        maxCustomPorts: nil, minIntervalMinutes: 15, requestsPerMinute: 3000, maxChannels: 50)
}
