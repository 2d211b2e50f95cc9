// Shared pieces of the billing endpoints: Stripe errors as API errors (Stripe down -> 502
// `unavailable`), the status body, a Stripe subscription as a store snapshot, and the nonce that
// idempotency keys are derived from. Never put the secret key into a message or log line.
import Billing
import Foundation

import SkannrCore
import SkannrCrypto
import SkannrStore
import HTTPMessage

enum BillingSupport {
    static func client(_ services: Services) throws(APIError) -> StripeClient {
        do { return try StripeClient(configuration: services.configuration.stripe) }
        catch { throw apiError(error, services: services) }
    }

    static func apiError(_ error: StripeError, services: Services) -> APIError {
        services.logger.warning("stripe call failed", metadata: ["error": "\(error)"])
        switch error {
        case .unavailable:
            return APIError(.unavailable, "Stripe is unavailable; try again shortly", status: 502)
        case let rejected where rejected.isPortalNotConfigured:
            return APIError(.unavailable, "Billing is not fully set up: the Stripe Customer Portal has no saved settings in this "
                + "mode. An operator must open the Stripe Dashboard (Settings > Billing > Customer portal), choose what customers "
                + "may do and save, in test and in live mode (docs/deploy.md, Stripe)", status: 503)
        case .rejected(let status, _, _, _, _) where status == 401 || status == 403:
            return APIError(.unavailable, "Stripe refused Skannr's credentials", status: 502)
        case .rejected(_, let type, let message, _, _):
            return APIError(.unavailable, "Stripe refused the request (\(type)): \(message)", status: 502)
        case .malformedResponse:
            return APIError(.unavailable, "Stripe's answer could not be read", status: 502)
        case .notConfigured:
            return APIError(.unavailable, "Billing is not configured on this server", status: 503)
        }
    }

    /// Runs a Stripe call, mapping its failure to an APIError.
    static func stripe<T>(_ services: Services, _ call: () throws(StripeError) -> T) throws(APIError) -> T {
        do { return try call() } catch { throw apiError(error, services: services) }
    }

    /// Makes a retried client call replay Stripe's answer: the client's Idempotency-Key header
    /// when it sent one, else nginx's request id, else random.
    static func nonce(_ request: APIRequest) -> String {
        if let key = request.header("idempotency-key"), !key.isEmpty, key.count <= 200 { return "client:" + key }
        if request.requestID != "-" { return "request:" + request.requestID }
        return "random:" + Hex.encode(SecureRandom.bytes(16))
    }

    static func snapshot(_ subscription: StripeSubscription, configuration: StripeConfiguration) -> SubscriptionSnapshot {
        SubscriptionSnapshot(
            subscriptionID: subscription.id, customerID: subscription.customer.id, itemID: subscription.firstItem?.id,
            status: subscription.status, pricePlan: subscription.firstItem.flatMap { configuration.plan(forPrice: $0.price.id) },
            currentPeriodEnd: subscription.periodEnd.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            cancelAtPeriodEnd: subscription.cancelAtPeriodEnd ?? false,
            cancelAt: subscription.cancelAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    /// Writes Stripe's confirmed subscription state (inside the caller's transaction), ordered by
    /// Stripe's clock when it was read and by SubscriptionRules.mayReplace, never by arrival.
    @discardableResult
    static func apply(_ observed: ObservedSubscription, accountID: Int64, store: BillingStore,
                      services: Services, now: Date) throws -> ApplyOutcome {
        let configuration = services.configuration
        let subscription = observed.subscription
        let snapshot = snapshot(subscription, configuration: configuration.stripe)
        if snapshot.pricePlan == nil {
            services.logger.warning("subscription with an unknown price", metadata: ["subscription": "\(subscription.id)"])
        }
        let outcome = try store.applySubscription(accountID: accountID, snapshot: snapshot, eventAt: observed.observedAt, now: now,
                                                  plans: configuration.plans, mayReplace: SubscriptionRules.mayReplace) { current in
            SubscriptionRules.grantedPlan(status: snapshot.status, pricePlan: snapshot.pricePlan, currentPlan: current)
        }
        if case .applied(let from, let to, let enforcement) = outcome, from != to || !enforcement.disabledTargetIDs.isEmpty {
            services.logger.info("plan changed", metadata: [
                "account_id": "\(accountID)", "from": "\(from.rawValue)", "to": "\(to.rawValue)",
                "disabled_targets": "\(enforcement.disabledTargetIDs.count)", "raised_intervals": "\(enforcement.raisedIntervals)",
            ])
        }
        return outcome
    }

    static func status(accountID: Int64, store: BillingStore, services: Services, now: Date) throws -> APIResponse {
        let configuration = services.configuration
        let stored = try store.accountPlan(accountID: accountID) ?? .free
        let record = try store.record(accountID: accountID)
        let hasPaidPlan = stored != .free && record != nil
        let plan = BillingStore.effectivePlan(plan: stored, status: record?.status ?? "none", pastDueSince: record?.pastDueSince,
                                              now: now, graceDays: configuration.stripe.graceDays)
        let limits = configuration.plans.limits(for: plan)
        return try .json(200, StatusBody(
            plan: plan.rawValue, status: hasPaidPlan ? record?.status ?? "none" : "none",
            currentPeriodEnd: hasPaidPlan ? record?.currentPeriodEnd : nil,
            cancelAtPeriodEnd: hasPaidPlan ? record?.cancellationPending ?? false : false,
            cancelAt: hasPaidPlan ? record.flatMap { $0.cancelAt ?? ($0.cancelAtPeriodEnd ? $0.currentPeriodEnd : nil) } : nil,
            limits: .init(maxTargets: limits.maxTargets, maxCidrAddresses: limits.maxCIDRAddresses,
                          scanProfiles: limits.orderedScanProfiles.map(\.rawValue),
                          minIntervalMinutes: limits.minIntervalMinutes, requestsPerMinute: limits.requestsPerMinute),
            usage: .init(targets: try store.targetCount(accountID: accountID))))
    }

    struct StatusBody: JSONObject {
        struct Limits: Encodable {
            let maxTargets: Int
            let maxCidrAddresses: UInt64
            let scanProfiles: [String]
            let minIntervalMinutes: Int
            let requestsPerMinute: Int
        }
        struct Usage: Encodable { let targets: Int }
        let plan: String
        let status: String
        let currentPeriodEnd: Date?
        /// True whenever a cancellation is scheduled, by `cancel_at_period_end` or by `cancel_at`.
        let cancelAtPeriodEnd: Bool
        /// When the scheduled cancellation takes effect; null when none is.
        let cancelAt: Date?
        let limits: Limits
        let usage: Usage

        /// current_period_end and cancel_at are written as null rather than left out.
        func members<Out: JSONMembers>(_ out: inout Out) throws {
            try out.member("plan", plan)
            try out.member("status", status)
            try out.member("current_period_end", currentPeriodEnd)
            try out.member("cancel_at_period_end", cancelAtPeriodEnd)
            try out.member("cancel_at", cancelAt)
            try out.member("limits", encoding: limits)
            try out.member("usage", encoding: usage)
        }
    }
}
