// How Skannr reaches Stripe: API base URL, secret key, prices and return URLs, timeout, grace.
// The secret key is sent only in the Authorization header and is never part of a description.
import SkannrCore

public struct StripeConfiguration: Sendable, CustomStringConvertible {
    public var apiBase: String
    public var secretKey: String?
    public var webhookSecret: String?
    public var pricePro: String?
    public var priceBusiness: String?
    public var successURL: String
    public var cancelURL: String
    public var portalReturnURL: String
    public var timeoutSeconds: Int
    /// Days a `past_due` subscription keeps its plan's limits before free limits apply.
    public var graceDays: Int
    /// Accepted age of a webhook signature's timestamp.
    public var webhookToleranceSeconds: Int

    public init(apiBase: String = "https://api.stripe.com", secretKey: String? = nil, webhookSecret: String? = nil,
                pricePro: String? = nil, priceBusiness: String? = nil,
                successURL: String = "http://localhost/billing/success?session_id={CHECKOUT_SESSION_ID}",
                cancelURL: String = "http://localhost/billing/cancel",
                portalReturnURL: String = "http://localhost/billing",
                timeoutSeconds: Int = 10, graceDays: Int = 7, webhookToleranceSeconds: Int = 300) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.pricePro = pricePro
        self.priceBusiness = priceBusiness
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.portalReturnURL = portalReturnURL
        self.timeoutSeconds = timeoutSeconds
        self.graceDays = graceDays
        self.webhookToleranceSeconds = webhookToleranceSeconds
    }

    /// The configured price of a paid plan (nil for free or when not configured).
    public func price(for plan: Plan) -> String? {
        switch plan {
        case .free: nil
        case .pro: pricePro
        case .business: priceBusiness
        }
    }

    /// The plan a price id stands for; nil for a price this configuration does not know.
    public func plan(forPrice price: String) -> Plan? {
        if let pricePro, price == pricePro { return .pro }
        if let priceBusiness, price == priceBusiness { return .business }
        return nil
    }

    public var description: String {
        "StripeConfiguration(apiBase: \(apiBase), secretKey: \(secretKey == nil ? "unset" : "set"), timeout: \(timeoutSeconds)s)"
    }
}
