// /scans and POST /targets/:id/scan: list, read, start, trigger-all, cancel. Decisions: a
// disabled target can still be scanned on demand (enabled governs the schedule and trigger-all);
// trigger-all reports disabled targets as skipped with reason "disabled" and busy ones with
// "scan_in_progress"; cancelling a running scan marks it cancelled at once (the runner's fenced
// writes then find nothing and it stops); a finished scan (completed/failed/cancelled) is 409 conflict.
import SkannrCore
import SkannrStore
import HTTPMessage

enum ScansController {
    static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        let query = context.request.query
        let list = try ListQuery.parse(query)
        let targetID = try ListQuery.positiveID(query, "target_id")
        let status = try ListQuery.enumValue(query, "status", ScanStatus.self)
        let page = try context.services.stores().scans().list(
            accountID: context.accountID, targetID: targetID, status: status, limit: list.limit, after: list.afterID())
        return try .json(200, ListView(items: page.items.map(ScanView.init), nextCursor: page.nextCursor))
    }

    static func read(_ context: AuthenticatedContext) throws -> APIResponse {
        try .json(200, ScanView(record: try scan(context)))
    }

    static func start(_ context: AuthenticatedContext) throws -> APIResponse {
        let targetID = try context.id(of: "Target")
        let configuration = context.services.configuration
        let store = try context.services.stores().scans(plans: configuration.plans,
                              billingGraceDays: configuration.stripe.graceDays)
        let created = try StoreErrors.run { try store.createManual(accountID: context.accountID, targetID: targetID, now: context.now) }
        guard let created else { throw APIError.notFound("Target") }
        return try .json(202, ScanView(record: created))
    }

    static func triggerAll(_ context: AuthenticatedContext) throws -> APIResponse {
        let configuration = context.services.configuration
        let outcome = try context.services.stores().scans(plans: configuration.plans,
                                    billingGraceDays: configuration.stripe.graceDays).triggerAll(accountID: context.accountID, now: context.now)
        return try .json(202, TriggerAllView(
            items: outcome.created.map(ScanView.init),
            skipped: outcome.skipped.map { TriggerAllView.Skipped(targetId: $0.targetID, reason: $0.reason) }))
    }

    static func cancel(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Scan")
        switch try context.services.stores().scans().cancel(accountID: context.accountID, id: id, now: context.now) {
        case .cancelled(let scan): return try .json(200, ScanView(record: scan))
        case .alreadyFinished(let scan): throw APIError(.conflict, "The scan has already finished (\(scan.status.rawValue))")
        case .notFound: throw APIError.notFound("Scan")
        }
    }

    /// The caller's scan from the `:id` path parameter, or 404.
    static func scan(_ context: AuthenticatedContext) throws -> ScanRecord {
        let id = try context.id(of: "Scan")
        guard let scan = try context.services.stores().scans().find(accountID: context.accountID, id: id) else {
            throw APIError.notFound("Scan")
        }
        return scan
    }
}
