// GET /scans/:id/diff's body: the alert drafts of SkannrCore's ScanDiff between two scans' snapshots,
// read as lists (so a diff never disagrees with the alerts the same change raised).
import Foundation
import SkannrCore

struct ScanDiffView: Encodable {
    /// A port opened or closed; `service` is written out as null when unknown.
    struct PortChange: JSONObject {
        let host: String
        let port: Int
        let service: String?
        func members<Out: JSONMembers>(_ out: inout Out) throws {
            try out.member("host", host)
            try out.member("port", port)
            try out.member("service", service)
        }
    }
    struct TLSChange: Encodable { let host: String; let port: Int; let before: JSONValue; let after: JSONValue }

    let scanId: Int64
    let againstScanId: Int64

    init(scanId: Int64, againstScanId: Int64) {
        self.scanId = scanId
        self.againstScanId = againstScanId
    }
    var hostsAdded: [String] = []
    var hostsRemoved: [String] = []
    var portsOpened: [PortChange] = []
    var portsClosed: [PortChange] = []
    var tlsChanged: [TLSChange] = []
}

extension ScanDiffView {
    private static func service(_ draft: AlertDraft) -> String? {
        if case .string(let name)? = draft.details["service"] { return name }
        return nil
    }

    /// The diff of two scans' snapshots, every change confirmed (both scans are stored facts); a
    /// host_down lists the host in hosts_removed and its ports in ports_closed.
    init(scanID: Int64, againstID: Int64, before: ScanSnapshot, after: ScanSnapshot, now: Date) {
        let outcome = ScanDiff().evaluate(baseline: before, current: after, answers: nil, alreadyAlerted: [], now: now)
        var view = ScanDiffView(scanId: scanID, againstScanId: againstID)
        for draft in outcome.alerts {
            switch draft.type {
            case .newPort:
                view.portsOpened.append(.init(host: draft.host, port: Int(draft.port ?? 0), service: Self.service(draft)))
            case .closedPort:
                view.portsClosed.append(.init(host: draft.host, port: Int(draft.port ?? 0), service: Self.service(draft)))
            case .tlsChange:
                view.tlsChanged.append(.init(host: draft.host, port: Int(draft.port ?? 0),
                                             before: draft.details["previous"] ?? .null, after: draft.details["current"] ?? .null))
            case .hostDown:
                view.hostsRemoved.append(draft.host)
                if case .array(let ports)? = draft.details["open_ports"] {
                    for case .int(let port) in ports { view.portsClosed.append(.init(host: draft.host, port: port, service: nil)) }
                }
            case .tlsExpiring, .acceptsAll:
                continue
            }
        }
        let identity = { (snapshot: ScanSnapshot, address: String) in snapshot.hostnames[address] ?? address }
        let upBefore = Set(before.hostsUp.map { identity(before, $0) })
        view.hostsAdded = after.hostsUp.filter { !upBefore.contains(identity(after, $0)) }.sorted()
        self = view
    }
}
