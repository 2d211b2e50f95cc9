// Plain-value input of the alert diff: what one completed scan found, or the target's baseline (what
// the monitoring believes after the last completed scan). Built by the scan-runner; no database types.
// Traps: hosts of a domain target are matched by NAME (`hostnames`), not address; a host in
// `partial` was cut by a budget, so a port missing from it is no evidence that the port closed.
import Foundation

public struct OpenPort: Hashable, Sendable, Codable {
    public var port: UInt16
    public var service: String?
    public var tls: TLSFacts?
    /// The probe established that the port does not speak TLS. False when TLS is present OR unknown
    /// (a failed probe tells nothing, and must not hide a certificate change).
    public var plain: Bool

    public init(port: UInt16, service: String? = nil, tls: TLSFacts? = nil, plain: Bool = false) {
        self.port = port
        self.service = service
        self.tls = tls
        self.plain = plain && tls == nil
    }
}

public struct ScanSnapshot: Sendable, Equatable, Codable {
    /// Open ports per host (numeric address text as stored in results).
    public var openPorts: [String: [OpenPort]]
    /// Every host the scan covered (resolved addresses of a domain, addresses of a CIDR).
    public var hostsScanned: Set<String>
    /// Hosts that answered anything (open or closed). A scanned host not in here was silent.
    public var hostsUp: Set<String>
    /// Address -> domain name, for domain targets: the diff matches hosts of a name by the name.
    public var hostnames: [String: String]
    /// The ports the scan covered; nil = unknown (everything compares).
    public var coveredPorts: PortList?
    /// Hosts that answer open on an implausible number of ports (tarpit, SYN proxy) -> why.
    public var acceptsAll: [String: String]
    /// Hosts whose results were cut (open-port caps, the scan's duration budget).
    public var partial: Set<String>
    /// Ports that went unanswered on hosts that answer: on a first scan they are re-probed, so that
    /// the baseline does not start with a missed open port.
    public var unanswered: [String: [UInt16]] = [:]

    /// Hosts with open ports count as scanned and up even when the sets omit them.
    public init(openPorts: [String: [OpenPort]], hostsScanned: Set<String>? = nil, hostsUp: Set<String>? = nil,
                hostnames: [String: String] = [:], coveredPorts: PortList? = nil,
                acceptsAll: [String: String] = [:], partial: Set<String> = []) {
        let withPorts = Set(openPorts.filter { !$0.value.isEmpty }.keys)
        self.openPorts = openPorts.filter { !$0.value.isEmpty }
        self.hostsScanned = withPorts.union(hostsScanned ?? []).union(hostsUp ?? [])
        self.hostsUp = withPorts.union(hostsUp ?? [])
        self.hostnames = hostnames
        self.coveredPorts = coveredPorts
        self.acceptsAll = acceptsAll
        self.partial = partial
    }

    func port(_ host: String, _ port: UInt16) -> OpenPort? {
        openPorts[host]?.first { $0.port == port }
    }

    /// The name a host is matched by: its domain name for domain targets, else its address.
    public func identity(of address: String) -> String { hostnames[address] ?? address }

    /// True when `port` is in the covered list (nil = everything).
    func covers(_ port: UInt16) -> Bool { coveredPorts?.containsSorted(port) ?? true }
}

extension PortList: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = text.isEmpty ? PortList(ranges: []) : try PortList.parse(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Binary search over the sorted ranges (the diff asks for every port of big lists).
    func containsSorted(_ port: UInt16) -> Bool {
        var low = 0, high = ranges.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < port { low = mid + 1 }
            else if ranges[mid].lowerBound > port { high = mid - 1 }
            else { return true }
        }
        return false
    }
}

/// One alert to insert; the store adds ids, target, scan, status and timestamps.
public struct AlertDraft: Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case newPort = "new_port", closedPort = "closed_port", tlsChange = "tls_change", tlsExpiring = "tls_expiring"
        case hostDown = "host_down", acceptsAll = "accepts_all"
    }

    public var type: Kind
    public var severity: Severity
    public var host: String
    /// nil for host-level alerts (host_down, accepts_all).
    public var port: UInt16?
    public var title: String
    public var details: [String: JSONValue]
    /// For tls_expiring: the certificate's fingerprint and the threshold (14, 7 or 1 days) it crossed,
    /// to alert once per certificate and threshold.
    public var certificateFingerprint: String?
    public var expiryThreshold: Int?

    public init(type: Kind, severity: Severity, host: String, port: UInt16?, title: String,
                details: [String: JSONValue], certificateFingerprint: String? = nil, expiryThreshold: Int? = nil) {
        self.type = type
        self.severity = severity
        self.host = host
        self.port = port
        self.title = title
        self.details = details
        self.certificateFingerprint = certificateFingerprint
        self.expiryThreshold = expiryThreshold
    }
}
