// /scans and POST /targets/:id/scan: list, read, start, trigger-all, cancel. Decisions: a
// disabled target can still be scanned on demand (enabled governs the schedule and trigger-all);
// trigger-all reports disabled targets as skipped with reason "disabled" and busy ones with
// "scan_in_progress"; cancelling a running scan marks it cancelled at once (the runner's fenced
// writes then find nothing and it stops); a finished scan (completed/failed/cancelled) is 409 conflict.
import FastCGI
import SkannrCore
import SkannrStore

enum ScansController {
    static func register(in router: inout Router) {
        router.authenticated("GET", "/scans") { context in
            let query = context.request.query
            let list = try ListQuery.parse(query)
            let targetID = try ListQuery.positiveID(query, "target_id")
            let status = try ListQuery.enumValue(query, "status", ScanStatus.self)
            let page = try ScanStore(connection: context.services.database()).list(
                accountID: context.accountID, targetID: targetID, status: status, limit: list.limit, after: list.afterID())
            return try .json(200, ListView(items: page.items.map(ScanView.init), nextCursor: page.nextCursor))
        }

        router.authenticated("GET", "/scans/:id") { context in
            try .json(200, ScanView(record: try scan(context)))
        }

        router.authenticated("POST", "/targets/:id/scan") { context in
            let targetID = try context.id(of: "Target")
            let configuration = context.services.configuration
            let store = ScanStore(connection: try context.services.database(), plans: configuration.plans,
                                  billingGraceDays: configuration.stripe.graceDays)
            let created: ScanRecord?
            do {
                created = try StoreErrors.run { try store.createManual(accountID: context.accountID, targetID: targetID, now: context.now) }
            } catch let error as PlanLimitError {
                throw APIError(.planLimit, error.message)
            }
            guard let created else { throw APIError.notFound("Target") }
            return try .json(202, ScanView(record: created))
        }

        router.authenticated("POST", "/scans/trigger-all") { context in
            let configuration = context.services.configuration
            let outcome = try ScanStore(connection: context.services.database(), plans: configuration.plans,
                                        billingGraceDays: configuration.stripe.graceDays).triggerAll(accountID: context.accountID, now: context.now)
            return try .json(202, TriggerAllView(
                items: outcome.created.map(ScanView.init),
                skipped: outcome.skipped.map { TriggerAllView.Skipped(targetId: $0.targetID, reason: $0.reason) }))
        }

        router.authenticated("POST", "/scans/:id/cancel") { context in
            let id = try context.id(of: "Scan")
            switch try ScanStore(connection: context.services.database()).cancel(accountID: context.accountID, id: id, now: context.now) {
            case .cancelled(let scan): return try .json(200, ScanView(record: scan))
            case .alreadyFinished(let scan): throw APIError(.conflict, "The scan has already finished (\(scan.status.rawValue))")
            case .notFound: throw APIError.notFound("Scan")
            }
        }

        ScanResultsController.register(in: &router)
    }

    /// The caller's scan from the `:id` path parameter, or 404.
    static func scan(_ context: AuthenticatedContext) throws -> ScanRecord {
        let id = try context.id(of: "Scan")
        guard let scan = try ScanStore(connection: context.services.database()).find(accountID: context.accountID, id: id) else {
            throw APIError.notFound("Scan")
        }
        return scan
    }
}
