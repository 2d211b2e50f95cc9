// /targets: list, create, read, update, delete. Every store call is scoped to the caller's
// account, so another account's target is a plain 404. DELETE cascades (foreign keys) to the
// target's scans, scan_hosts, port_results, tls_certificates and alerts; a running scan stops
// because its row is gone and the runner's fenced writes (WHERE id = ? AND lease_owner = ?) match nothing.
import FastCGI
import SkannrCore
import SkannrStore

enum TargetsController {
    static func register(in router: inout Router) {
        router.authenticated("GET", "/targets") { context in
            let query = try ListQuery.parse(context.request.query)
            let page = try TargetStore(connection: context.services.database())
                .list(accountID: context.accountID, limit: query.limit, after: query.afterID())
            return try .json(200, ListView(items: page.items.map(TargetView.init), nextCursor: page.nextCursor))
        }

        router.authenticated("POST", "/targets") { context in
            var body = try context.body()
            let configuration = context.services.configuration
            let target = try TargetInput.create(&body, policy: AddressPolicy(allowPrivate: configuration.allowPrivateTargets))
            let db = try context.services.database()
            let store = TargetStore(connection: db, billingGraceDays: context.services.configuration.stripe.graceDays)
            // One transaction: the target and what it earns (first_target XP, achievements) together.
            let created = try StoreErrors.run { try db.transaction { _ in
                let created = try store.create(accountID: context.accountID, target, now: context.now) { plan, existing in
                    do {
                        try configuration.plans.checkTarget(
                            plan: plan, existingTargets: existing, address: target.address, profile: target.scanProfile,
                            customPorts: target.ports, intervalMinutes: target.intervalMinutes)
                    } catch let error as PlanLimitError {
                        throw APIError(.planLimit, error.message)
                    }
                }
                try ProgressStore.targetCreated(connection: db, accountID: context.accountID, now: context.now)
                return created
            } }
            return try .json(201, TargetView(record: created))
        }

        router.authenticated("GET", "/targets/:id") { context in
            let id = try context.id(of: "Target")
            guard let target = try TargetStore(connection: context.services.database()).find(accountID: context.accountID, id: id) else {
                throw APIError.notFound("Target")
            }
            return try .json(200, TargetView(record: target))
        }

        router.authenticated("PATCH", "/targets/:id") { context in
            let id = try context.id(of: "Target")
            var body = try context.body()
            let patch = try TargetInput.patch(&body)
            let plans = context.services.configuration.plans
            let now = context.now
            let store = TargetStore(connection: try context.services.database(),
                                    billingGraceDays: context.services.configuration.stripe.graceDays)
            let updated = try StoreErrors.run {
                try store.update(accountID: context.accountID, id: id, now: now) { current, plan in
                    try patch.apply(to: current, plans: plans, plan: plan, now: now)
                }
            }
            guard let updated else { throw APIError.notFound("Target") }
            return try .json(200, TargetView(record: updated))
        }

        router.authenticated("DELETE", "/targets/:id") { context in
            let id = try context.id(of: "Target")
            guard try TargetStore(connection: context.services.database()).delete(accountID: context.accountID, id: id) else {
                throw APIError.notFound("Target")
            }
            return .noContent()
        }
    }
}
