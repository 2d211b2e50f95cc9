// Use cases of targets: creating one checks the plan under the account's lock and awards what the
// first target earns (XP, achievements) in the same transaction.
import Foundation
import SkannrCore
import SkannrStore

enum TargetUseCases {
    /// The new target; 403 `plan_limit` when the plan does not allow it, 409 for a duplicate address.
    static func create(_ target: NewTarget, accountID: Int64, plans: PlanCatalog, billingGraceDays: Int,
                       stores: Stores, now: Date) throws -> TargetRecord {
        try StoreErrors.run { try stores.transaction { tx in
            let created = try tx.targets(billingGraceDays: billingGraceDays).create(accountID: accountID, target, now: now) { plan, existing in
                try plans.checkTarget(plan: plan, existingTargets: existing, address: target.address, profile: target.scanProfile,
                                      customPorts: target.ports, intervalMinutes: target.intervalMinutes)
            }
            try tx.awardTargetCreated(accountID: accountID, now: now)
            return created
        } }
    }
}
