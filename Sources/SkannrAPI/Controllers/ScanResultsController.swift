// GET /scans/:id/results and /summary, answered only for completed scans (409
// scan_not_completed before). Only open ports are stored one by one: `?state=open` (the default)
// lists them; `state=closed|filtered` is 400 explaining that those are counted per host in /summary.
import SkannrStore
import HTTPMessage

enum ScanResultsController {
    static func results(_ context: AuthenticatedContext) throws -> APIResponse {
        let query = try ListQuery.parse(context.request.query)
        switch context.request.query["state"] {
        case nil, "open": break
        case "closed", "filtered":
            throw APIError.validation(["state": "only open ports are listed; closed and filtered ports are counted per host in GET /scans/:id/summary"])
        default:
            throw APIError.validation(["state": "must be open"])
        }
        let after = try query.afterHostPort()
        let scan = try completedScan(context)
        if CSVExport.wanted(context.request) {   // every page, streamed: no limit, no cursor
            return CSVExport.results(accountID: context.accountID, scanID: scan.id,
                                     store: try context.services.stores().results)
        }
        let page = try context.services.stores().results
            .openPorts(accountID: context.accountID, scanID: scan.id, limit: query.limit, after: after)
        return try .json(200, ResultsView(scanID: scan.id, items: page.items.map(PortResultView.init), nextCursor: page.nextCursor))
    }

    static func summary(_ context: AuthenticatedContext) throws -> APIResponse {
        let scan = try completedScan(context)
        let summary = try context.services.stores().results.summary(accountID: context.accountID, scanID: scan.id)
        let totals = summary.totals
        return try .json(200, SummaryView(
            scanId: scan.id, status: scan.status.rawValue, hosts: summary.hosts.map(SummaryView.Host.init),
            totals: .init(hosts: totals.hosts, hostsUp: totals.hostsUp, open: totals.open, filtered: totals.filtered, closed: totals.closed)))
    }
    private static func completedScan(_ context: AuthenticatedContext) throws -> ScanRecord {
        let scan = try ScansController.scan(context)
        guard scan.status == .completed else {
            throw APIError(.scanNotCompleted, "The scan is \(scan.status.rawValue); results exist once it has completed")
        }
        try ScanUseCases.requireKeptResults(scan)
        return scan
    }
}
