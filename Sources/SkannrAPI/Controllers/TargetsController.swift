// /targets: list, create, read, update, delete. Every store call is scoped to the caller's
// account, so another account's target is a plain 404. DELETE cascades (foreign keys) to the
// target's scans, scan_hosts, port_results, tls_certificates and alerts; a running scan stops
// because its row is gone and the runner's fenced writes (WHERE id = ? AND lease_owner = ?) match nothing.
import SkannrCore
import SkannrStore
import HTTPMessage

enum TargetsController {
    static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        let query = try ListQuery.parse(context.request.query)
        let page = try context.services.stores().targets()
            .list(accountID: context.accountID, limit: query.limit, after: query.afterID())
        return try .json(200, ListView(items: page.items.map(TargetView.init), nextCursor: page.nextCursor))
    }

    static func create(_ context: AuthenticatedContext) throws -> APIResponse {
        var body = try context.body()
        let configuration = context.services.configuration
        let target = try TargetInput.create(&body, policy: AddressPolicy(allowPrivate: configuration.allowPrivateTargets))
        let created = try TargetUseCases.create(target, accountID: context.accountID, plans: configuration.plans,
                                                billingGraceDays: configuration.stripe.graceDays, stores: context.services.stores(), now: context.now)
        return try .json(201, TargetView(record: created))
    }

    static func read(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Target")
        guard let target = try context.services.stores().targets().find(accountID: context.accountID, id: id) else {
            throw APIError.notFound("Target")
        }
        return try .json(200, TargetView(record: target))
    }

    static func update(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Target")
        var body = try context.body()
        let patch = try TargetInput.patch(&body)
        let plans = context.services.configuration.plans
        let now = context.now
        let store = try context.services.stores().targets(billingGraceDays: context.services.configuration.stripe.graceDays)
        let updated = try StoreErrors.run {
            try store.update(accountID: context.accountID, id: id, now: now) { current, plan in
                try patch.apply(to: current, plans: plans, plan: plan, now: now)
            }
        }
        guard let updated else { throw APIError.notFound("Target") }
        return try .json(200, TargetView(record: updated))
    }

    static func delete(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Target")
        guard try context.services.stores().targets().delete(accountID: context.accountID, id: id) else {
            throw APIError.notFound("Target")
        }
        return .noContent()
    }
}
