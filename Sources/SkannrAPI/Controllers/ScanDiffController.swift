// GET /scans/:id/diff?against=: what changed between two completed scans of one target, computed by
// SkannrCore's ScanDiff (the code that raises alerts) over ScanSnapshotStore's snapshots, so the
// diff never disagrees with the alerts. Every change counts as confirmed (both scans are stored
// facts). A host_down lists the host in hosts_removed and its ports in ports_closed. 409 when either
// scan is not completed or they belong to different targets; another account's scan is 404.
import Foundation
import SkannrCore
import SkannrStore

enum ScanDiffController {
    static func diff(_ context: AuthenticatedContext) throws -> APIResponse {
        let scan = try ScansController.scan(context)
        let against = try ListQuery.positiveID(context.request.query, "against")
        let stores = try context.services.stores()
        guard scan.status == .completed else {
            throw APIError(.scanNotCompleted, "The scan is \(scan.status.rawValue); a diff needs two completed scans")
        }
        let base: ScanRecord
        if let against {
            guard let found = try stores.scans().find(accountID: context.accountID, id: against) else {
                throw APIError.notFound("Scan")
            }
            base = found
        } else {
            guard let previous = try stores.previousCompletedScan(accountID: context.accountID, targetID: scan.targetID, before: scan.id),
                  let found = try stores.scans().find(accountID: context.accountID, id: previous) else {
                throw APIError(.conflict, "The target has no completed scan before this one; name one with ?against=")
            }
            base = found
        }
        guard base.status == .completed else {
            throw APIError(.scanNotCompleted, "Scan \(base.id) is \(base.status.rawValue); a diff needs two completed scans")
        }
        guard base.targetID == scan.targetID else {
            throw APIError(.conflict, "Scans \(scan.id) and \(base.id) belong to different targets")
        }
        let before = try stores.scanSnapshot(scanID: base.id)
        let after = try stores.scanSnapshot(scanID: scan.id)
        return try .json(200, diff(scanID: scan.id, againstID: base.id, before: before, after: after, now: context.now))
    }
    private static func service(_ draft: AlertDraft) -> String? {
        if case .string(let name)? = draft.details["service"] { return name }
        return nil
    }

    static func diff(scanID: Int64, againstID: Int64, before: ScanSnapshot, after: ScanSnapshot, now: Date) -> ScanDiffView {
        let outcome = ScanDiff().evaluate(baseline: before, current: after, answers: nil, alreadyAlerted: [], now: now)
        var view = ScanDiffView(scanId: scanID, againstScanId: againstID)
        for draft in outcome.alerts {
            switch draft.type {
            case .newPort:
                view.portsOpened.append(.init(host: draft.host, port: Int(draft.port ?? 0), service: service(draft)))
            case .closedPort:
                view.portsClosed.append(.init(host: draft.host, port: Int(draft.port ?? 0), service: service(draft)))
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
        return view
    }
}

struct ScanDiffView: Encodable {
    /// A port opened or closed; `service` is written out as null when unknown.
    struct PortChange: Encodable {
        let host: String
        let port: Int
        let service: String?
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(host, forKey: "host")
            try c.encode(port, forKey: "port")
            try c.encode(service, forKey: "service")
        }
    }
    struct TLSChange: Encodable { let host: String; let port: Int; let before: JSONValue; let after: JSONValue }

    let scanId: Int64
    let againstScanId: Int64
    var hostsAdded: [String] = []
    var hostsRemoved: [String] = []
    var portsOpened: [PortChange] = []
    var portsClosed: [PortChange] = []
    var tlsChanged: [TLSChange] = []
}
