// Scan work in units (issue 20): a scan is split into slices of its hosts × its ports, each about
// `probesPerUnit` probes (seconds to a minute of sweep at the default rates), and the fair order in
// which accounts' scans are claimed. Pure rules: SkannrStore stores the units, ScanRunner runs them.
// Traps: a domain's host count is unknown until it resolves (0): it is one host slot (every
// address); offsets index the scan's SORTED port list and the CIDR walk (or the resolved list).
import Foundation

/// One unit: hosts [hostOffset, hostOffset + hostCount) × ports [portOffset, portOffset + portCount).
/// hostCount 0 means every host (a domain's resolved addresses).
public struct ScanUnitSlice: Sendable, Equatable, Codable {
    public var hostOffset: Int
    public var hostCount: Int
    public var portOffset: Int
    public var portCount: Int

    public init(hostOffset: Int, hostCount: Int, portOffset: Int, portCount: Int) {
        self.hostOffset = hostOffset
        self.hostCount = hostCount
        self.portOffset = portOffset
        self.portCount = portCount
    }
}

public enum ScanWork {
    /// 65,536 probes: 3.3 s at the default 20,000 probes/s per scan, 13 s for one host's full range
    /// at 5,000/s per host, one or two timeouts for dead hosts.
    public static let defaultProbesPerUnit = 65_536

    /// The units of a scan of `hosts` addresses (0: a domain) on `ports` ports, hosts-major (a host's
    /// port slices are neighbours, so a host is complete after few units).
    public static func split(hosts: Int, ports: Int, probesPerUnit: Int = defaultProbesPerUnit) -> [ScanUnitSlice] {
        let budget = max(1, probesPerUnit)
        let portCount = max(1, ports)
        let portsPerUnit = min(portCount, budget)
        guard hosts > 0 else {
            return stride(from: 0, to: portCount, by: portsPerUnit).map {
                ScanUnitSlice(hostOffset: 0, hostCount: 0, portOffset: $0, portCount: min(portsPerUnit, portCount - $0))
            }
        }
        let hostsPerUnit = portsPerUnit < portCount ? 1 : max(1, budget / portCount)
        var units: [ScanUnitSlice] = []
        for hostOffset in stride(from: 0, to: hosts, by: hostsPerUnit) {
            for portOffset in stride(from: 0, to: portCount, by: portsPerUnit) {
                units.append(ScanUnitSlice(hostOffset: hostOffset, hostCount: min(hostsPerUnit, hosts - hostOffset),
                                           portOffset: portOffset, portCount: min(portsPerUnit, portCount - portOffset)))
            }
        }
        return units
    }

    /// How much of the runners an account's plan may claim relative to the others: the claim order
    /// compares running / weight, so a business account gets more runners than a free one when both
    /// wait, and an account with nothing running always comes first.
    public static func claimWeight(_ plan: Plan) -> Int {
        switch plan {
        case .free: 1
        case .pro: 2
        case .business: 4
        }
    }

    /// An account with pending work, for the fair claim order.
    public struct Waiting: Sendable, Equatable {
        public var accountID: Int64
        public var running: Int
        public var weight: Int
        /// Its oldest pending scan: the last tie-break, the longest waiting.
        public var oldestPending: Int64
        /// The account's latest claim of any scan (account_claims); nil: never served.
        public var lastServed: Date?

        public init(accountID: Int64, running: Int, weight: Int, oldestPending: Int64, lastServed: Date? = nil) {
            self.accountID = accountID
            self.running = running
            self.weight = weight
            self.oldestPending = oldestPending
            self.lastServed = lastServed
        }
    }

    /// Accounts in claim order: fewest running per weight first (running × other's weight compared,
    /// no division); then round robin: the account served longest ago (never served first), so one
    /// runner slot alternates between a yielding backlog and a newcomer; then the oldest pending scan.
    public static func fairOrder(_ waiting: [Waiting]) -> [Waiting] {
        waiting.sorted { a, b in
            let left = a.running * max(1, b.weight), right = b.running * max(1, a.weight)
            if left != right { return left < right }
            if a.lastServed != b.lastServed {
                return (a.lastServed ?? .distantPast) < (b.lastServed ?? .distantPast)
            }
            return a.oldestPending < b.oldestPending
        }
    }
}
