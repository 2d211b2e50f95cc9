// Every setting of the API, read once from `Settings` and validated. The README's configuration
// reference lists them with their defaults; keep the two in step.

import SkannrSettings
import Billing
import Foundation
import SkannrCore
import SkannrStore

public struct APIConfiguration: Sendable {
    public var database: DatabaseConfig
    /// Loopback and private targets are allowed (development and tests only).
    public var allowPrivateTargets: Bool
    /// Requests per minute per client IP for unauthenticated calls.
    public var anonymousRequestsPerMinute: Int
    /// Shared counter file of the host's responder pool (SKANNR_RATE_LIMIT_FILE); nil counts in MariaDB.
    public var rateLimitFile: String?
    public var maxBodyBytes: Int
    /// Webhook deliveries per minute and source IP (SKANNR_RATE_LIMIT_STRIPE_WEBHOOK): Stripe sends
    /// bursts (Checkout alone is four events in a second, retries come in waves) from a few IPs.
    public var stripeWebhookRequestsPerMinute: Int
    /// Access-token signing: `SKANNR_JWT_KEYS` = `kid:base64secret,...` (first is current).
    public var jwt: JWTSigner
    /// Plan limits (the contract's table, each overridable, see PlanCatalog).
    public var plans: PlanCatalog
    /// Stripe billing (SKANNR_STRIPE_*, SKANNR_BILLING_GRACE_DAYS); see StripeConfiguration.
    public var stripe: StripeConfiguration
    /// Where every process writes its metrics slot (`SKANNR_METRICS_DIR`); nil = each worker keeps
    /// its own numbers and a scrape shows only the worker that answered it.
    public var metricsDirectory: String?
    /// Passwords, MFA key, refresh-token lifetime, login throttling (AuthSettings).
    public var auth: AuthSettings
    public var settings: Settings

    public init(settings: Settings) throws {
        self.settings = settings
        database = try DatabaseSettings(settings: settings, role: .responder).config   // shared keys, one parser
        allowPrivateTargets = try settings.bool("SKANNR_ALLOW_PRIVATE_TARGETS", default: false)
        anonymousRequestsPerMinute = try settings.int("SKANNR_RATE_LIMIT_ANONYMOUS", default: 120)
        rateLimitFile = settings.nonEmpty("SKANNR_RATE_LIMIT_FILE")
        maxBodyBytes = 64 * 1024
        stripeWebhookRequestsPerMinute = try settings.int("SKANNR_RATE_LIMIT_STRIPE_WEBHOOK", default: 1200, min: 1)
        guard let keys = try settings.secret("SKANNR_JWT_KEYS") else {
            throw SettingsError(key: "SKANNR_JWT_KEYS", "(or SKANNR_JWT_KEYS_FILE) is required: kid:base64secret[,kid:secret...]")
        }
        jwt = JWTSigner(
            keys: try Self.jwtKeys(keys),
            issuer: settings.string("SKANNR_JWT_ISSUER", default: "skannr"),
            audience: settings.string("SKANNR_JWT_AUDIENCE", default: "skannr-api")
        )
        let planSettings = try PlanSettings(settings: settings)   // the runner's numbers, parsed by the same code
        plans = planSettings.catalog
        auth = try AuthSettings(settings: settings)
        stripe = StripeConfiguration(
            apiBase: settings.string("SKANNR_STRIPE_API_BASE", default: "https://api.stripe.com"),
            secretKey: try settings.secret("SKANNR_STRIPE_SECRET_KEY"),
            webhookSecret: try settings.secret("SKANNR_STRIPE_WEBHOOK_SECRET"),
            pricePro: settings.optional("SKANNR_STRIPE_PRICE_PRO"),
            priceBusiness: settings.optional("SKANNR_STRIPE_PRICE_BUSINESS"),
            successURL: settings.string("SKANNR_STRIPE_SUCCESS_URL", default: "http://localhost/billing/success?session_id={CHECKOUT_SESSION_ID}"),
            cancelURL: settings.string("SKANNR_STRIPE_CANCEL_URL", default: "http://localhost/billing/cancel"),
            portalReturnURL: settings.string("SKANNR_STRIPE_PORTAL_RETURN_URL", default: "http://localhost/billing"),
            timeoutSeconds: try settings.int("SKANNR_STRIPE_TIMEOUT_SECONDS", default: 10, in: 1...60),
            graceDays: planSettings.billingGraceDays)
        metricsDirectory = MetricsSettings(settings: settings).directory
    }

    /// The key set, with an error that names the variable (and never shows a secret).
    private static func jwtKeys(_ text: String) throws(SettingsError) -> JWTKeySet {
        do { return try JWTKeySet.parse(text) } catch { throw SettingsError(key: "SKANNR_JWT_KEYS", error.message) }
    }
}
