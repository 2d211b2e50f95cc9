// What a finished sweep + TLS probes found, as plain values ready for the write-back transaction,
// with what the budgets cut (notes, limitsHit) and the answers of the change confirmation; and the
// diff's view of it (`snapshot`). The runner fills it, ScanWriteBack stores it.
// Trap: confirmation answers never change `hosts`: they only decide which differences alert.
import Foundation
import SkannrCore

public struct HostOutcome: Sendable, Equatable, Codable {
    public let host: String
    public let hostKey: [UInt8]
    public let hostname: String?
    public let up: Bool
    public var openPorts: [UInt16]
    public let closedCount: Int
    public let filteredCount: Int
    /// Present for an address that was not scanned (kept for rows of older scans; no longer written).
    public let note: String?
    /// Why this host is taken for a tarpit / SYN proxy (answers open on almost every port).
    public var acceptsAll: String?
    /// What was cut or noticed on this host ("open ports capped at 1,000 of 4,312 found").
    public var notes: [String]
    /// Results cut by a budget: a port missing from `openPorts` is no evidence that it closed.
    public var partial: Bool
    /// Open ports the sweep found, before any cap.
    public var openFound: Int?
    /// Unanswered ports of a host that answers almost everything else (likely loss, not a firewall).
    public var unanswered: [UInt16]

    public init(host: String, hostKey: [UInt8], hostname: String?, up: Bool, openPorts: [UInt16], closedCount: Int,
                filteredCount: Int, note: String?, acceptsAll: String? = nil, notes: [String] = [], partial: Bool = false,
                openFound: Int? = nil, unanswered: [UInt16] = []) {
        self.host = host
        self.hostKey = hostKey
        self.hostname = hostname
        self.up = up
        self.openPorts = openPorts
        self.closedCount = closedCount
        self.filteredCount = filteredCount
        self.note = note
        self.acceptsAll = acceptsAll
        self.notes = notes
        self.partial = partial
        self.openFound = openFound
        self.unanswered = unanswered
    }
}

public struct HostPort: Hashable, Sendable, Codable {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }
}

public struct ScanOutcome: Sendable {
    public var hosts: [HostOutcome]
    public var tls: [HostPort: TLSFacts]
    /// A remark for the scan's `error` column on an otherwise completed scan (skipped addresses).
    public var remark: String?
    /// Open ports whose TLS probe failed or was cut by the cap: TLS state unknown this scan (keep the
    /// last known certificate; neither a change nor TLS disappearing). Ports absent here and from `tls` are not TLS.
    public var tlsUnknown: Set<HostPort> = []
    /// Budgets that cut work ("TLS probes capped …", "… resolved to N addresses, M scanned"), for `limits_hit`.
    public var limitsHit: [String] = []
    /// The ports every host was swept on (nil: unknown).
    public var coveredPorts: PortList? = nil
    /// Re-probe answers of the change confirmation (nil: not run, every change counts as confirmed).
    public var confirmations: [AddressPort: ProbeAnswer]? = nil

    public init(hosts: [HostOutcome], tls: [HostPort: TLSFacts], remark: String?) {
        self.hosts = hosts
        self.tls = tls
        self.remark = remark
    }

    public var openPortCount: Int { hosts.reduce(0) { $0 + $1.openPorts.count } }
    /// Hosts actually swept (refused addresses excluded).
    public var scannedHosts: [HostOutcome] { hosts.filter { $0.note == nil } }

    /// The diff's view of this scan: hosts of a domain matched by name, cut hosts partial, TLS facts
    /// with key type, ports whose probe found no TLS marked plain (a failed probe is unknown, not plain).
    public var snapshot: ScanSnapshot {
        var open: [String: [OpenPort]] = [:]
        var names: [String: String] = [:]
        var acceptsAll: [String: String] = [:]
        for host in scannedHosts {
            if let name = host.hostname { names[host.host] = name }
            if let reason = host.acceptsAll { acceptsAll[host.host] = reason }
            open[host.host] = host.openPorts.map { port in
                let key = HostPort(host: host.host, port: port)
                let facts = tls[key]
                // Not in `tls` and not unknown: the probe established that the port does not speak TLS.
                let plain = facts == nil && !tlsUnknown.contains(key) && host.acceptsAll == nil
                return OpenPort(port: port, service: PortCatalog.serviceName(for: port), tls: facts, plain: plain)
            }
        }
        let scanned = scannedHosts
        var snapshot = ScanSnapshot(openPorts: open, hostsScanned: Set(scanned.map(\.host)), hostsUp: Set(scanned.filter(\.up).map(\.host)),
                                    hostnames: names, coveredPorts: coveredPorts, acceptsAll: acceptsAll,
                                    partial: Set(scanned.filter(\.partial).map(\.host)))
        for host in scanned where !host.unanswered.isEmpty && host.acceptsAll == nil { snapshot.unanswered[host.host] = host.unanswered }
        return snapshot
    }
}
