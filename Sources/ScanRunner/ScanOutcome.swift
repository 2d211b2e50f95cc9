// What a finished sweep + TLS probes found, as plain values ready for the write-back transaction.
import Foundation
import ScanEngine

struct HostOutcome: Sendable, Equatable {
    let host: String
    let hostKey: [UInt8]
    let hostname: String?
    let up: Bool
    let openPorts: [UInt16]
    let closedCount: Int
    let filteredCount: Int
    /// Present for an address that was not scanned (refused by the address policy).
    let note: String?
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

    var openPortCount: Int { hosts.reduce(0) { $0 + $1.openPorts.count } }
    /// Hosts actually swept (refused addresses excluded).
    var scannedHosts: [HostOutcome] { hosts.filter { $0.note == nil } }
}
