// Blocking Stripe API client over HTTPClient (libcurl): form-encoded POSTs with an Idempotency-Key,
// `Authorization: Bearer sk_...`, one timeout for connect + transfer. One client per thread.
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

    public func createCustomer(accountID: Int64, email: String?, name: String?, idempotencyKey: String) throws(StripeError) -> StripeCustomer {
        var fields: [(String, FormValue)] = [("metadata", .dictionary([("account_id", .string(String(accountID)))]))]
        if let email { fields.append(("email", .string(email))) }
        if let name { fields.append(("name", .string(name))) }
        return try post("/v1/customers", fields, idempotencyKey: idempotencyKey)
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
        ], idempotencyKey: idempotencyKey)
    }

    public func createPortalSession(customer: String, idempotencyKey: String) throws(StripeError) -> StripePortalSession {
        try post("/v1/billing_portal/sessions", [
            ("customer", .string(customer)),
            ("return_url", .string(configuration.portalReturnURL)),
        ], idempotencyKey: idempotencyKey)
    }

    public func retrieveSubscription(_ id: String) throws(StripeError) -> StripeSubscription {
        try get("/v1/subscriptions/" + Self.pathID(id))
    }

    /// Moves the subscription's item to another price, prorated; clears a pending cancellation.
    public func changePrice(subscription id: String, item: String, price: String, idempotencyKey: String) throws(StripeError) -> StripeSubscription {
        try post("/v1/subscriptions/" + Self.pathID(id), [
            ("items", .list([.dictionary([("id", .string(item)), ("price", .string(price))])])),
            ("proration_behavior", "create_prorations"),
            ("cancel_at_period_end", "false"),
        ], idempotencyKey: idempotencyKey)
    }

    public func cancelAtPeriodEnd(subscription id: String, idempotencyKey: String) throws(StripeError) -> StripeSubscription {
        try post("/v1/subscriptions/" + Self.pathID(id), [("cancel_at_period_end", "true")], idempotencyKey: idempotencyKey)
    }

    // MARK: - transport

    public func post<T: Decodable>(_ path: String, _ fields: [(String, FormValue)], idempotencyKey: String) throws(StripeError) -> T {
        let body = FormEncoding.encode(fields)
        return try send(HTTPRequest(method: "POST", url: configuration.apiBase + path, headers: [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Idempotency-Key", idempotencyKey),
        ], body: body))
    }

    public func get<T: Decodable>(_ path: String) throws(StripeError) -> T {
        try send(HTTPRequest(method: "GET", url: configuration.apiBase + path))
    }

    private func send<T: Decodable>(_ request: HTTPRequest) throws(StripeError) -> T {
        var request = request
        request.headers += [("Authorization", "Bearer " + secretKey), ("Accept", "application/json"), ("User-Agent", "Skannr/1")]
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
            do { return try decoder.decode(T.self, from: Data(response.body)) }
            catch { throw .malformedResponse("\(T.self): \(error)") }
        case 429, 500...:
            throw .unavailable("HTTP \(response.status)")
        default:
            let detail = (try? decoder.decode(StripeErrorBody.self, from: Data(response.body)))?.error
            throw .rejected(status: response.status, type: detail?.type ?? "unknown", message: detail?.message ?? "HTTP \(response.status)",
                            param: detail?.param, code: detail?.code)
        }
    }

    /// A Stripe id safe to put in a path (`sub_1Abc...`): letters, digits and underscores only.
    static func pathID(_ id: String) throws(StripeError) -> String {
        guard !id.isEmpty, id.count <= 255, id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }) else {
            throw .malformedResponse("not a Stripe id: \(id.prefix(40).debugDescription)")
        }
        return id
    }
}
