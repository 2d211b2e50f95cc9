// The ports each profile scans, from the ranked nmap data in TopPortsData.swift. quick and
// standard come in rank order (most often open first, so early progress finds most); full and
// custom in ascending order.
public enum PortCatalog {
    struct Entry: Sendable { let port: UInt16; let service: String? }

    static let ranked: [Entry] = parse(TopPortsData.rankedTCP)
    static let serviceByPort: [UInt16: String] = {
        var table: [UInt16: String] = [:]
        for entry in parse(TopPortsData.otherServices) + ranked { table[entry.port] = entry.service }
        return table
    }()

    private static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let port = UInt16(parts[0]) else { return nil }
            return Entry(port: port, service: parts[1] == "unknown" ? nil : String(parts[1]))
        }
    }

    /// The `count` most frequently open TCP ports (nmap's ranking), most common first; count <= 1000.
    public static func topPorts(_ count: Int) -> [UInt16] { ranked.prefix(max(0, count)).map(\.port) }

    /// The 100 ports of `quick`, in rank order.
    public static var quickPorts: [UInt16] { topPorts(100) }
    /// The 1,000 ports of `standard`, in rank order.
    public static var standardPorts: [UInt16] { topPorts(1000) }

    /// The ports a scan with this profile probes. For `custom` the list is required; without one
    /// the answer is empty (the API refuses a custom target without ports).
    public static func ports(for profile: ScanProfile, custom: PortList?) -> [UInt16] {
        switch profile {
        case .quick: quickPorts
        case .standard: standardPorts
        case .full: Array(1...65535)
        case .custom: custom.map(Array.init) ?? []
        }
    }

    /// How many ports a scan with this profile probes per host (the Scan's `ports_per_host`).
    public static func portCount(for profile: ScanProfile, custom: PortList?) -> Int {
        switch profile {
        case .quick: 100
        case .standard: 1000
        case .full: 65535
        case .custom: custom?.count ?? 0
        }
    }

    /// The service name nmap uses for a TCP port ("https", "ms-wbt-server"), or nil when unknown.
    public static func serviceName(for port: UInt16) -> String? { serviceByPort[port] }
}
