// All SQL of billing: the `subscriptions` row of an account, `stripe_events` (each event once),
// `users.plan`, and the effects of a plan change on `targets`. Every account query takes the
// account id first. Writes that belong together must run inside the caller's transaction
// (`connection.transaction { }`): applySubscription locks the rows it reads (FOR UPDATE).
// Plan effects: targets beyond the plan's count are disabled newest first (the oldest
// `maxTargets` by created_at, id keep their state); intervals below the minimum are raised and
// next_scan_at is moved to at least last scan (or creation) + the new interval. Nothing is deleted.
import Foundation
import MariaDB
import SkannrCore

public struct BillingStore {
    let db: Connection

    public init(_ connection: Connection) { db = connection }

    static let columns = """
        user_id, stripe_customer_id, stripe_subscription_id, stripe_item_id, status, plan,
        current_period_end, cancel_at_period_end, cancel_at, past_due_since, last_event_at,
        checkout_session_id, checkout_plan, checkout_expires_at
        """

    public func record(accountID: Int64, forUpdate: Bool = false) throws(MariaDBError) -> BillingRecord? {
        let sql = "SELECT \(Self.columns) FROM subscriptions WHERE user_id = ?" + (forUpdate ? " FOR UPDATE" : "")
        guard let row = try db.queryOne(sql, [.int(accountID)]) else { return nil }
        return try Self.record(row)
    }

    /// The plan stored on the account (users.plan), nil when there is no such account.
    public func accountPlan(accountID: Int64, forUpdate: Bool = false) throws(MariaDBError) -> Plan? {
        let sql = "SELECT plan FROM users WHERE id = ?" + (forUpdate ? " FOR UPDATE" : "")
        guard let row = try db.queryOne(sql, [.int(accountID)]) else { return nil }
        return Plan(rawValue: try row.string("plan")) ?? .free
    }

    /// Email and name of the account, for the Stripe customer.
    public func accountContact(accountID: Int64) throws(MariaDBError) -> (email: String, name: String)? {
        guard let row = try db.queryOne("SELECT email, name FROM users WHERE id = ?", [.int(accountID)]) else { return nil }
        return (try row.string("email"), try row.string("name"))
    }

    public func targetCount(accountID: Int64) throws(MariaDBError) -> Int {
        let row = try db.queryOne("SELECT COUNT(*) AS n FROM targets WHERE user_id = ?", [.int(accountID)])
        return Int(try row?.int("n") ?? 0)
    }

    /// Stores the account's Stripe customer (status `none`) unless the account already has one;
    /// returns the customer the account has now (another request's may have won).
    @discardableResult
    public func saveCustomer(accountID: Int64, customerID: String, now: Date) throws(MariaDBError) -> String {
        try db.execute("""
            INSERT IGNORE INTO subscriptions (user_id, stripe_customer_id, status, plan, updated_at)
            VALUES (?, ?, 'none', 'free', ?)
            """, [.int(accountID), .text(customerID), .date(now)])
        return try record(accountID: accountID)?.customerID ?? customerID
    }

    /// Remembers the account's newest Checkout Session (the row exists: saveCustomer came first).
    public func saveCheckout(accountID: Int64, _ checkout: CheckoutRecord, now: Date) throws(MariaDBError) {
        try db.execute("""
            UPDATE subscriptions SET checkout_session_id = ?, checkout_plan = ?, checkout_expires_at = ?, updated_at = ?
            WHERE user_id = ?
            """, [.text(checkout.sessionID), .text(checkout.plan.rawValue), .date(checkout.expiresAt), .date(now), .int(accountID)])
    }

    public func accountID(forSubscription id: String) throws(MariaDBError) -> Int64? {
        try db.queryOne("SELECT user_id FROM subscriptions WHERE stripe_subscription_id = ?", [.text(id)])?.int("user_id")
    }

    public func accountID(forCustomer id: String) throws(MariaDBError) -> Int64? {
        try db.queryOne("SELECT user_id FROM subscriptions WHERE stripe_customer_id = ?", [.text(id)])?.int("user_id")
    }

    public func accountExists(_ accountID: Int64) throws(MariaDBError) -> Bool {
        try db.queryOne("SELECT 1 AS one FROM users WHERE id = ?", [.int(accountID)]) != nil
    }

    /// checkout.session.completed: ties the customer (and subscription, when known) to the account.
    /// A subscription id already stored is kept when the session carries none.
    public func linkCheckout(accountID: Int64, customerID: String, subscriptionID: String?, now: Date) throws(MariaDBError) {
        try db.execute("""
            INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id, status, plan, updated_at)
            VALUES (?, ?, ?, 'none', 'free', ?)
            ON DUPLICATE KEY UPDATE stripe_customer_id = VALUES(stripe_customer_id),
                stripe_subscription_id = COALESCE(VALUES(stripe_subscription_id), stripe_subscription_id),
                updated_at = VALUES(updated_at)
            """, [.int(accountID), .text(customerID), SQLValue(subscriptionID), .date(now)])
    }

    /// Records a webhook event id; false when it was recorded before (a redelivery).
    public func recordEvent(id: String, type: String, now: Date) throws(MariaDBError) -> Bool {
        try db.execute("INSERT IGNORE INTO stripe_events (id, type, received_at) VALUES (?, ?, ?)",
                       [.text(id), .text(type), .date(now)]).affectedRows == 1
    }

    public func hasEvent(id: String) throws(MariaDBError) -> Bool {
        try db.queryOne("SELECT 1 AS one FROM stripe_events WHERE id = ?", [.text(id)]) != nil
    }

    /// Writes a confirmed subscription state and the plan it grants, then enforces that plan's
    /// limits. Skips (`.stale`) a state observed before the last applied one (`eventAt` <
    /// last_event_at; equal seconds apply), a state of the same subscription that `mayReplace`
    /// (given the stored status, then the incoming one) refuses, and a non-granting state of a
    /// subscription other than the account's current one. `grant` turns the account's plan, read
    /// under lock, into the plan the subscription grants. Run inside a transaction.
    public func applySubscription(accountID: Int64, snapshot: SubscriptionSnapshot, eventAt: Date, now: Date,
                                  plans: PlanCatalog, mayReplace: (_ stored: String, _ incoming: String) -> Bool = { _, _ in true },
                                  grant: (_ currentPlan: Plan) -> Plan) throws(MariaDBError) -> ApplyOutcome {
        guard let oldPlan = try accountPlan(accountID: accountID, forUpdate: true) else { return .unknownAccount }
        let grantedPlan = grant(oldPlan)
        let existing = try record(accountID: accountID, forUpdate: true)
        if let existing {
            if let last = existing.lastEventAt, eventAt < last { return .stale }
            if existing.subscriptionID == snapshot.subscriptionID, !mayReplace(existing.status, snapshot.status) { return .stale }
            if let current = existing.subscriptionID, current != snapshot.subscriptionID, grantedPlan == .free,
               existing.status != "none" {
                return .stale
            }
        }
        let storedPlan = snapshot.pricePlan ?? existing?.plan ?? .free
        try db.execute("""
            INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id, stripe_item_id, status, plan,
                current_period_end, cancel_at_period_end, cancel_at, past_due_since, last_event_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, IF(? = 'past_due', ?, NULL), ?, ?)
            ON DUPLICATE KEY UPDATE stripe_customer_id = VALUES(stripe_customer_id),
                stripe_subscription_id = VALUES(stripe_subscription_id), stripe_item_id = VALUES(stripe_item_id),
                status = VALUES(status), plan = VALUES(plan), current_period_end = VALUES(current_period_end),
                cancel_at_period_end = VALUES(cancel_at_period_end), cancel_at = VALUES(cancel_at),
                past_due_since = IF(VALUES(status) = 'past_due', COALESCE(past_due_since, VALUES(past_due_since)), NULL),
                last_event_at = GREATEST(COALESCE(last_event_at, VALUES(last_event_at)), VALUES(last_event_at)),
                updated_at = VALUES(updated_at)
            """, [
                .int(accountID), .text(snapshot.customerID), .text(snapshot.subscriptionID), SQLValue(snapshot.itemID),
                .text(snapshot.status), .text(storedPlan.rawValue), SQLValue(snapshot.currentPeriodEnd),
                SQLValue(snapshot.cancelAtPeriodEnd), SQLValue(snapshot.cancelAt), .text(snapshot.status), .date(eventAt),
                .date(eventAt), .date(now),
            ])
        if grantedPlan != oldPlan {
            try db.execute("UPDATE users SET plan = ?, updated_at = ? WHERE id = ?",
                           [.text(grantedPlan.rawValue), .date(now), .int(accountID)])
            if grantedPlan > oldPlan { try awardUpgrade(accountID: accountID, now: now) }
        }
        let enforcement = try enforceLimits(accountID: accountID, limits: plans.limits(for: grantedPlan), now: now)
        return .applied(from: oldPlan, to: grantedPlan, enforcement: enforcement)
    }

    /// The "upgraded plan" achievement, in the caller's transaction.
    private func awardUpgrade(accountID: Int64, now: Date) throws(MariaDBError) {
        do {
            try ProgressStore.planUpgraded(connection: db, accountID: accountID, now: now)
        } catch let error as MariaDBError {
            throw error
        } catch {
            throw MariaDBError.client("awarding the plan upgrade failed: \(error)")
        }
    }

    /// Disables targets beyond `limits.maxTargets` (newest first) and raises intervals below
    /// `limits.minIntervalMinutes`, moving next_scan_at accordingly. Idempotent; deletes nothing.
    public func enforceLimits(accountID: Int64, limits: PlanLimits, now: Date) throws(MariaDBError) -> LimitEnforcement {
        var result = LimitEnforcement()
        let kept = SQLValue.int(Int64(max(0, limits.maxTargets)))
        // The rows stay locked until the caller commits, so the one UPDATE below disables exactly these.
        let rows = try db.query("SELECT id, enabled FROM targets WHERE user_id = ? ORDER BY created_at, id FOR UPDATE",
                                [.int(accountID)])
        for row in rows.dropFirst(max(0, limits.maxTargets)).reversed() where try row.bool("enabled") {
            result.disabledTargetIDs.append(try row.int("id"))
        }
        if !result.disabledTargetIDs.isEmpty {
            // The derived table is materialised first: MariaDB allows neither LIMIT in IN (...) nor
            // reading the updated table in its own subquery otherwise.
            try db.execute("""
                UPDATE targets SET enabled = FALSE, updated_at = ?
                WHERE user_id = ? AND enabled = TRUE AND id NOT IN (
                    SELECT id FROM (SELECT id FROM targets WHERE user_id = ? ORDER BY created_at, id LIMIT ?) AS kept)
                """, [.date(now), .int(accountID), .int(accountID), kept])
        }
        // Targets the plan no longer allows at all (range, profile, port count): disabled too.
        result.disabledTargetIDs += try PlanFit.disableMisfits(db, accountID: accountID, limits: limits, now: now)
        let minimum = SQLValue.int(Int64(limits.minIntervalMinutes))
        let raised = try db.execute("""
            UPDATE targets SET interval_minutes = ?,
                next_scan_at = IF(next_scan_at IS NULL, NULL,
                    GREATEST(next_scan_at, COALESCE(last_scan_at, created_at) + INTERVAL ? MINUTE)),
                updated_at = ?
            WHERE user_id = ? AND interval_minutes IS NOT NULL AND interval_minutes < ?
            """, [minimum, minimum, .date(now), .int(accountID), minimum])
        result.raisedIntervals = Int(raised.affectedRows)
        return result
    }

    /// The plan whose limits apply now: users.plan, except free once a `past_due` subscription
    /// has been past due for longer than `graceDays`.
    public static func effectivePlan(plan: Plan, status: String, pastDueSince: Date?, now: Date, graceDays: Int) -> Plan {
        guard status == "past_due", let since = pastDueSince else { return plan }
        return now.timeIntervalSince(since) > TimeInterval(graceDays) * 86_400 ? .free : plan
    }

    static func record(_ row: Row) throws(MariaDBError) -> BillingRecord {
        var checkout: CheckoutRecord?
        if let session = try row.optionalString("checkout_session_id"), let plan = Plan(rawValue: try row.optionalString("checkout_plan") ?? ""),
           let expiresAt = try row.optionalDate("checkout_expires_at") {
            checkout = CheckoutRecord(sessionID: session, plan: plan, expiresAt: expiresAt)
        }
        return BillingRecord(
            accountID: try row.int("user_id"), customerID: try row.string("stripe_customer_id"),
            subscriptionID: try row.optionalString("stripe_subscription_id"), itemID: try row.optionalString("stripe_item_id"),
            status: try row.string("status"), plan: Plan(rawValue: try row.string("plan")) ?? .free,
            currentPeriodEnd: try row.optionalDate("current_period_end"), cancelAtPeriodEnd: try row.bool("cancel_at_period_end"),
            cancelAt: try row.optionalDate("cancel_at"), pastDueSince: try row.optionalDate("past_due_since"),
            lastEventAt: try row.optionalDate("last_event_at"), checkout: checkout)
    }
}
