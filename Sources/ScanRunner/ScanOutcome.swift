// What a finished sweep + TLS probes found, as plain values ready for the write-back transaction,
// with what the budgets cut (notes, limitsHit) and the answers of the change confirmation.
// Trap: confirmation answers never change `hosts`: they only decide which differences alert.
import Foundation
import ScanEngine
import SkannrCore

struct HostOutcome: Sendable, Equatable {
    let host: String
    let hostKey: [UInt8]
    let hostname: String?
    let up: Bool
    var openPorts: [UInt16]
    let closedCount: Int
    let filteredCount: Int
    /// Present for an address that was not scanned (kept for rows of older scans; no longer written).
    let note: String?
    /// Why this host is taken for a tarpit / SYN proxy (answers open on almost every port).
    var acceptsAll: String? = nil
    /// What was cut or noticed on this host ("open ports capped at 1,000 of 4,312 found").
    var notes: [String] = []
    /// Results cut by a budget: a port missing from `openPorts` is no evidence that it closed.
    var partial = false
    /// Open ports the sweep found, before any cap.
    var openFound: Int? = nil
    /// Unanswered ports of a host that answers almost everything else (likely loss, not a firewall).
    var unanswered: [UInt16] = []
}

struct HostPort: Hashable, Sendable {
    let host: String
    let port: UInt16
}

struct ScanOutcome: Sendable {
    var hosts: [HostOutcome]
    var tls: [HostPort: ScanEngine.TLSFacts]
    /// A remark for the scan's `error` column on an otherwise completed scan (skipped addresses).
    var remark: String?
    /// Open ports whose TLS probe failed or was cut by the cap: TLS state unknown this scan (keep the
    /// last known certificate; neither a change nor TLS disappearing). Ports absent here and from `tls` are not TLS.
    var tlsUnknown: Set<HostPort> = []
    /// Budgets that cut work ("TLS probes capped …", "… resolved to N addresses, M scanned"), for `limits_hit`.
    var limitsHit: [String] = []
    /// The ports every host was swept on (nil: unknown).
    var coveredPorts: PortList? = nil
    /// Re-probe answers of the change confirmation (nil: not run, every change counts as confirmed).
    var confirmations: [AddressPort: ProbeAnswer]? = nil

    var openPortCount: Int { hosts.reduce(0) { $0 + $1.openPorts.count } }
    /// Hosts actually swept (refused addresses excluded).
    var scannedHosts: [HostOutcome] { hosts.filter { $0.note == nil } }
}
