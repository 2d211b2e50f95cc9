// /alerts: list with filters (status, type, severity, target_id; an unknown value is 400) and
// keyset pagination, acknowledge and resolve. State machine (contract): acknowledge open ->
// acknowledged, idempotent when acknowledged, 409 when resolved; resolve open/acknowledged ->
// resolved, idempotent when resolved. Another account's alert is 404. Resolving awards XP.
import Foundation
import SkannrCore
import SkannrStore
import HTTPMessage

enum AlertsController {
    static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        let query = context.request.query
        let list = try ListQuery.parse(query)
        let filter = AlertFilter(
            status: try ListQuery.enumValue(query, "status", AlertStatus.self),
            type: try ListQuery.enumValue(query, "type", AlertType.self),
            severity: try ListQuery.enumValue(query, "severity", Severity.self),
            targetID: try ListQuery.positiveID(query, "target_id"))
        if CSVExport.wanted(context.request) {   // every page, streamed: no limit, no cursor
            return CSVExport.alerts(accountID: context.accountID, filter: filter, store: try context.services.stores().alerts)
        }
        let page = try context.services.stores().alerts.list(
            accountID: context.accountID, filter: filter, limit: list.limit, after: list.afterID())
        return try .json(200, ListView(items: page.items.map(AlertView.init), nextCursor: page.nextCursor))
    }

    static func acknowledge(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Alert")
        let store = try context.services.stores().alerts
        return try answer(store.acknowledge(accountID: context.accountID, id: id, now: context.now),
                          conflict: "The alert is resolved or its risk accepted; it cannot be acknowledged")
    }

    static func accept(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Alert")
        var body = try context.body()
        let note = body.requiredString("note")?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let note, !(1...1000).contains(note.unicodeScalars.count) { body.fail("note", "must be 1 to 1000 characters") }
        try body.finish()
        let store = try context.services.stores().alerts
        return try answer(store.accept(accountID: context.accountID, id: id, note: note ?? "", now: context.now),
                          conflict: "The alert is resolved; its risk cannot be accepted")
    }

    static func resolve(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Alert")
        let store = try context.services.stores().alerts
        return try answer(store.resolve(accountID: context.accountID, id: id, now: context.now),
                          conflict: "The alert's risk is accepted; only an open or acknowledged alert is resolved")
    }
    /// The outcome of acknowledge or resolve: the alert after it (200), 409 or 404.
    private static func answer(_ outcome: AlertTransition, conflict: String) throws -> APIResponse {
        switch outcome {
        case .done(let alert, _): return try .json(200, AlertView(record: alert))
        case .conflict: throw APIError(.conflict, conflict)
        case .notFound: throw APIError.notFound("Alert")
        }
    }
}
