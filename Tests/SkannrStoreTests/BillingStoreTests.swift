// BillingStore on a real database: plan limits enforced on downgrade (newest targets disabled, short
// intervals raised, other accounts untouched, idempotent) and applySubscription's ordering rules.
import Foundation
import MariaDB
import SkannrCore
import SkannrStore
import Testing
import TestSupport

@Suite("Billing store", .needsDatabase)
struct BillingStoreTests {
    let f: ProgressFixture
    let store: BillingStore

    init() throws {
        f = try ProgressFixture()
        store = BillingStore(f.db)
    }

    func enabledTargets(_ account: Int64) throws -> [Int64] {
        try f.db.query("SELECT id FROM targets WHERE user_id = ? AND enabled ORDER BY id", [.int(account)]).map { try $0.int("id") }
    }

    @Test("limits disable the newest targets beyond the plan and raise short intervals, for that account only, once")
    func enforceLimits() throws {
        let account = try f.account(plan: "pro")
        let ids = try (0..<5).map { try f.target(account, "203.0.113.\($0)", interval: $0 == 0 ? 60 : 1440) }
        let other = try f.account(plan: "pro")
        let otherIDs = try (0..<5).map { try f.target(other, "203.0.113.\($0)", interval: 60) }

        let first = try f.db.transaction { _ in try store.enforceLimits(accountID: account, limits: .freeDefaults, now: Date()) }
        #expect(first.disabledTargetIDs == [ids[4], ids[3]])
        #expect(first.raisedIntervals == 1)
        #expect(try enabledTargets(account) == Array(ids[0..<3]))
        #expect(try f.db.queryOne("SELECT interval_minutes FROM targets WHERE id = ?", [.int(ids[0])])?.int("interval_minutes") == 1440)
        #expect(try enabledTargets(other) == otherIDs)

        let again = try f.db.transaction { _ in try store.enforceLimits(accountID: account, limits: .freeDefaults, now: Date()) }
        #expect(again == LimitEnforcement())
    }

    @Test("an upgrade writes the plan and its achievement; an older event is stale; a deleted account is unknown")
    func applySubscription() throws {
        let account = try f.account()
        let snapshot = SubscriptionSnapshot(subscriptionID: "sub_1", customerID: "cus_1", itemID: "si_1", status: "active",
                                            pricePlan: .pro, currentPeriodEnd: nil, cancelAtPeriodEnd: false)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func apply(_ snapshot: SubscriptionSnapshot, granted: Plan, at: Date, account: Int64 = account) throws -> ApplyOutcome {
            try f.db.transaction { _ in
                try store.applySubscription(accountID: account, snapshot: snapshot, eventAt: at, now: t0,
                                            plans: .defaults) { _ in granted }
            }
        }

        #expect(try apply(snapshot, granted: .pro, at: t0) == .applied(from: .free, to: .pro, enforcement: LimitEnforcement()))
        #expect(try store.accountPlan(accountID: account) == .pro)
        #expect(try f.achievements(account)["upgraded_plan"] != nil)

        var cancelled = snapshot
        cancelled.status = "canceled"
        #expect(try apply(cancelled, granted: .free, at: t0.addingTimeInterval(-60)) == .stale)
        #expect(try store.accountPlan(accountID: account) == .pro)
        #expect(try store.record(accountID: account)?.status == "active")

        #expect(try apply(snapshot, granted: .pro, at: t0, account: account + 1_000_000) == .unknownAccount)
    }

    @Test("a state the rule refuses for the same subscription is stale even in the same second; cancel_at and the checkout are kept")
    func orderingAndNewColumns() throws {
        let account = try f.account()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let cancelAt = t0.addingTimeInterval(86_400)
        let active = SubscriptionSnapshot(subscriptionID: "sub_o\(account)", customerID: "cus_o\(account)", itemID: "si_1", status: "active",
                                          pricePlan: .pro, currentPeriodEnd: cancelAt, cancelAtPeriodEnd: false, cancelAt: cancelAt)
        var incomplete = active
        incomplete.status = "incomplete"
        let neverIncompleteAfter: (String, String) -> Bool = { stored, incoming in incoming != "incomplete" || stored == "none" }
        func apply(_ snapshot: SubscriptionSnapshot, granted: Plan) throws -> ApplyOutcome {
            try f.db.transaction { _ in
                try store.applySubscription(accountID: account, snapshot: snapshot, eventAt: t0, now: t0, plans: .defaults,
                                            mayReplace: neverIncompleteAfter) { _ in granted }
            }
        }
        #expect(try apply(active, granted: .pro) == .applied(from: .free, to: .pro, enforcement: LimitEnforcement()))
        #expect(try apply(incomplete, granted: .free) == .stale, "same second, refused by the rule")
        let record = try store.record(accountID: account)
        #expect(record?.status == "active" && record?.cancelAt == cancelAt && record?.cancellationPending == true)

        let checkout = CheckoutRecord(sessionID: "cs_test_\(account)", plan: .business, expiresAt: t0.addingTimeInterval(3600))
        try store.saveCheckout(accountID: account, checkout, now: t0)
        #expect(try store.record(accountID: account)?.checkout == checkout)
    }
}
