// Blocking Stripe API client over HTTPClient (libcurl): form-encoded POSTs with an Idempotency-Key,
// `Authorization: Bearer sk_...`, `Stripe-Version` pinned to StripeAPI.version, one timeout for
// connect + transfer. Answers carry Stripe's own clock (the Date header). One client per thread.
// Traps: the secret key must never reach an error message or a log line; ids put into paths are
// checked to be plain Stripe ids so nothing can be smuggled into the URL.
import Foundation
import HTTPClient

public final class StripeClient {
    public let configuration: StripeConfiguration
    private let http: HTTPClient
    private let secretKey: String

    public init(configuration: StripeConfiguration) throws(StripeError) {
        guard let key = configuration.secretKey, !key.isEmpty else {
            throw .notConfigured("SKANNR_STRIPE_SECRET_KEY is not set")
        }
        self.configuration = configuration
        secretKey = key
        do {
            http = try HTTPClient(timeout: .seconds(max(1, configuration.timeoutSeconds)), maxResponseBytes: 1 << 20)
        } catch {
            throw .unavailable("could not create an HTTP client: \(error.message)")
        }
    }

    /// A customer carrying only the account id: the parameters never change for an account, so the
    /// account-derived Idempotency-Key replays instead of clashing after a rename or a new email.
    public func createCustomer(accountID: Int64, idempotencyKey: String) throws(StripeError) -> StripeCustomer {
        try post("/v1/customers", [("metadata", .dictionary([("account_id", .string(String(accountID)))]))],
                 idempotencyKey: idempotencyKey).value
    }

    /// Sets the customer's email and name (receipts, the portal).
    public func updateCustomerContact(customer: String, email: String, name: String, idempotencyKey: String) throws(StripeError) {
        let _: StripeCustomer = try post("/v1/customers/" + Self.pathID(customer), [
            ("email", .string(email)), ("name", .string(name)),
        ], idempotencyKey: idempotencyKey).value
    }

    /// A Checkout Session in subscription mode for one price; `client_reference_id` = the account.
    public func createCheckoutSession(accountID: Int64, customer: String, price: String, idempotencyKey: String) throws(StripeError) -> StripeCheckoutSession {
        let account = FormValue.string(String(accountID))
        return try post("/v1/checkout/sessions", [
            ("mode", "subscription"),
            ("customer", .string(customer)),
            ("client_reference_id", account),
            ("line_items", .list([.dictionary([("price", .string(price)), ("quantity", "1")])])),
            ("success_url", .string(configuration.successURL)),
            ("cancel_url", .string(configuration.cancelURL)),
            ("metadata", .dictionary([("account_id", account)])),
            ("subscription_data", .dictionary([("metadata", .dictionary([("account_id", account)]))])),
        ], idempotencyKey: idempotencyKey).value
    }

    public func retrieveCheckoutSession(_ id: String) throws(StripeError) -> StripeCheckoutSession {
        try get("/v1/checkout/sessions/" + Self.pathID(id)).value
    }

    /// Closes an open session so it can no longer be paid.
    public func expireCheckoutSession(_ id: String, idempotencyKey: String) throws(StripeError) {
        let _: StripeCheckoutSession = try post("/v1/checkout/sessions/" + Self.pathID(id) + "/expire", [],
                                                idempotencyKey: idempotencyKey).value
    }

    public func createPortalSession(customer: String, idempotencyKey: String) throws(StripeError) -> StripePortalSession {
        try post("/v1/billing_portal/sessions", [
            ("customer", .string(customer)),
            ("return_url", .string(configuration.portalReturnURL)),
        ], idempotencyKey: idempotencyKey).value
    }

    public func retrieveSubscription(_ id: String) throws(StripeError) -> ObservedSubscription {
        let (subscription, at): (StripeSubscription, Date) = try get("/v1/subscriptions/" + Self.pathID(id))
        return ObservedSubscription(subscription: subscription, observedAt: at)
    }

    /// Moves the subscription's item to another price, prorated, and clears a scheduled
    /// cancellation by whichever field holds it (`cancel_at_period_end`, else `cancel_at`).
    public func changePrice(_ current: StripeSubscription, item: String, price: String, idempotencyKey: String) throws(StripeError) -> ObservedSubscription {
        var fields: [(String, FormValue)] = [
            ("items", .list([.dictionary([("id", .string(item)), ("price", .string(price))])])),
            ("proration_behavior", "create_prorations"),
        ]
        fields += Self.clearingCancellation(current)
        return try update(current.id, fields, idempotencyKey: idempotencyKey)
    }

    /// The fields that unschedule `subscription`'s cancellation (none when nothing is scheduled).
    /// `cancel_at=` (empty) unsets the timestamp, as Stripe documents for its nullable parameters.
    public static func clearingCancellation(_ subscription: StripeSubscription) -> [(String, FormValue)] {
        if subscription.cancelAtPeriodEnd == true { return [("cancel_at_period_end", "false")] }
        if subscription.cancelAt != nil { return [("cancel_at", "")] }
        return []
    }

    public func cancelAtPeriodEnd(subscription id: String, idempotencyKey: String) throws(StripeError) -> ObservedSubscription {
        try update(id, [("cancel_at_period_end", "true")], idempotencyKey: idempotencyKey)
    }

    private func update(_ id: String, _ fields: [(String, FormValue)], idempotencyKey: String) throws(StripeError) -> ObservedSubscription {
        let (subscription, at): (StripeSubscription, Date) = try post("/v1/subscriptions/" + Self.pathID(id), fields,
                                                                     idempotencyKey: idempotencyKey)
        return ObservedSubscription(subscription: subscription, observedAt: at)
    }

    // MARK: - transport

    /// The decoded answer and Stripe's clock when it answered.
    public func post<T: Decodable>(_ path: String, _ fields: [(String, FormValue)], idempotencyKey: String) throws(StripeError) -> (value: T, at: Date) {
        let body = FormEncoding.encode(fields)
        return try send(HTTPRequest(method: "POST", url: configuration.apiBase + path, headers: [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Idempotency-Key", idempotencyKey),
        ], body: body))
    }

    public func get<T: Decodable>(_ path: String) throws(StripeError) -> (value: T, at: Date) {
        try send(HTTPRequest(method: "GET", url: configuration.apiBase + path))
    }

    private func send<T: Decodable>(_ request: HTTPRequest) throws(StripeError) -> (value: T, at: Date) {
        var request = request
        request.headers += [("Authorization", "Bearer " + secretKey), ("Stripe-Version", StripeAPI.version),
                            ("Accept", "application/json"), ("User-Agent", "Skannr/1")]
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch {
            throw .unavailable(error.isTimeout ? "timed out after \(configuration.timeoutSeconds) s" : "curl \(error.code): \(error.message)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        switch response.status {
        case 200..<300:
            let at = response.header("date").flatMap(Self.httpDate) ?? Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            do { return (try decoder.decode(T.self, from: Data(response.body)), at) }
            catch { throw .malformedResponse("\(T.self): \(error)") }
        case 429, 500...:
            throw .unavailable("HTTP \(response.status)")
        default:
            let detail = (try? decoder.decode(StripeErrorBody.self, from: Data(response.body)))?.error
            throw .rejected(status: response.status, type: detail?.type ?? "unknown", message: detail?.message ?? "HTTP \(response.status)",
                            param: detail?.param, code: detail?.code)
        }
    }

    /// An HTTP `Date` header (`Wed, 02 Dec 2026 06:40:33 GMT`); nil when it is not one.
    public static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// A Stripe id safe to put in a path (`sub_1Abc...`): letters, digits and underscores only.
    static func pathID(_ id: String) throws(StripeError) -> String {
        guard !id.isEmpty, id.count <= 255, id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }) else {
            throw .malformedResponse("not a Stripe id: \(id.prefix(40).debugDescription)")
        }
        return id
    }
}
