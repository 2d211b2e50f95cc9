// Every endpoint of the API, declared once: method, path, handler, who may call it, what its `:id`
// names and its limits. The router is built from this table; OpenAPISyncTests checks it against
// openapi.yaml both ways and the end-to-end fixtures (ContractEndpoints) are derived from it.
// Adding an endpoint = one line here + its handler + openapi.yaml (docs/architecture.md, API).
import HTTPMessage

public struct Endpoint: Sendable {
    /// Who may call: anyone, a signed-in account (access token or API key), or a signed-in
    /// account with an access token only (credentials, MFA, API keys, billing changes: 403 for a key).
    public enum Auth: Sendable, Equatable { case open, account, signIn }

    public let method: String
    /// Below /api/v1, parameters as `:name` (`/targets/:id`).
    public let path: String
    public let auth: Auth
    /// What the `:id` path parameter names (tests pick an id of this kind).
    public let resource: Resource?
    public let limits: RouteLimits
    let handler: Router.Handler

    /// `{id}` instead of `:id`: how openapi.yaml writes the path.
    public var openAPIPath: String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
    public var operation: String { "\(method) \(openAPIPath)" }
}

/// The kinds of object a path parameter can name.
public enum Resource: String, Sendable, CaseIterable {
    case target, scan, alert, apiKey = "api_key", channel, delivery
}

extension Endpoint {
    static func open(_ method: String, _ path: String, limits: RouteLimits = RouteLimits(),
                     _ handler: @escaping @Sendable (RequestContext) throws -> APIResponse) -> Endpoint {
        Endpoint(method: method, path: path, auth: .open, resource: nil, limits: limits, handler: .open(handler))
    }

    /// A signed-in account's endpoint; `on` names what its `:id` is.
    static func account(_ method: String, _ path: String, on resource: Resource? = nil,
                        _ handler: @escaping @Sendable (AuthenticatedContext) throws -> APIResponse) -> Endpoint {
        Endpoint(method: method, path: path, auth: .account, resource: resource, limits: RouteLimits(), handler: .authenticated(handler))
    }

    /// As `account`, refused to an API key (credentials, MFA, keys, billing changes).
    static func signIn(_ method: String, _ path: String, on resource: Resource? = nil,
                       _ handler: @escaping @Sendable (AuthenticatedContext) throws -> APIResponse) -> Endpoint {
        Endpoint(method: method, path: path, auth: .signIn, resource: resource, limits: RouteLimits(), handler: .authenticated(handler))
    }
}

public enum RouteTable {
    public static let endpoints: [Endpoint] = [
        .open("GET", "/health", HealthController.health),

        .open("POST", "/auth/register", AuthController.registerAccount),
        .open("POST", "/auth/login", AuthController.login),
        .open("POST", "/auth/token/refresh", AuthController.refresh),
        .signIn("POST", "/auth/logout", AuthController.logout),
        .signIn("POST", "/auth/logout-all", AuthController.logoutAll),
        .signIn("POST", "/auth/password", AuthController.changePassword),
        .account("GET", "/auth/me", AuthController.me),
        .signIn("POST", "/auth/mfa/setup", AuthController.setupMFA),
        .signIn("POST", "/auth/mfa/enable", AuthController.enableMFA),
        .signIn("DELETE", "/auth/mfa", AuthController.disableMFA),

        .account("GET", "/targets", TargetsController.list),
        .account("POST", "/targets", TargetsController.create),
        .account("GET", "/targets/:id", on: .target, TargetsController.read),
        .account("PATCH", "/targets/:id", on: .target, TargetsController.update),
        .account("DELETE", "/targets/:id", on: .target, TargetsController.delete),
        .account("POST", "/targets/:id/scan", on: .target, ScansController.start),

        .account("GET", "/scans", ScansController.list),
        .account("POST", "/scans/trigger-all", ScansController.triggerAll),
        .account("GET", "/scans/:id", on: .scan, ScansController.read),
        .account("POST", "/scans/:id/cancel", on: .scan, ScansController.cancel),
        .account("GET", "/scans/:id/results", on: .scan, ScanResultsController.results),
        .account("GET", "/scans/:id/summary", on: .scan, ScanResultsController.summary),
        .account("GET", "/scans/:id/diff", on: .scan, ScanDiffController.diff),

        .account("GET", "/alerts", AlertsController.list),
        .account("POST", "/alerts/:id/acknowledge", on: .alert, AlertsController.acknowledge),
        .account("POST", "/alerts/:id/accept", on: .alert, AlertsController.accept),
        .account("POST", "/alerts/:id/resolve", on: .alert, AlertsController.resolve),

        .account("GET", "/notifications/channels", NotificationsController.channels),
        .account("POST", "/notifications/channels", NotificationsController.createChannel),
        .account("PATCH", "/notifications/channels/:id", on: .channel, NotificationsController.updateChannel),
        .account("DELETE", "/notifications/channels/:id", on: .channel, NotificationsController.deleteChannel),
        .account("POST", "/notifications/channels/:id/test", on: .channel, NotificationsController.testChannel),
        .account("GET", "/notifications/deliveries", NotificationsController.deliveries),
        .account("POST", "/notifications/deliveries/:id/redeliver", on: .delivery, NotificationsController.redeliver),

        .account("GET", "/billing/status", BillingController.status),
        .signIn("POST", "/billing/checkout", BillingController.checkout),
        .signIn("POST", "/billing/portal", BillingController.portal),
        .signIn("POST", "/billing/change-plan", BillingController.changePlan),
        // Stripe's deliveries: 1 MiB bodies (nginx's location allows as much) and a budget of their own.
        .open("POST", "/billing/webhook", limits: RouteLimits(maxBodyBytes: 1 << 20, budget: .stripeWebhook), BillingWebhook.handle),

        .account("GET", "/score", ProgressController.score),
        .account("GET", "/streak", ProgressController.streak),
        .account("GET", "/achievements", ProgressController.achievements),

        .signIn("GET", "/api-keys", APIKeysController.list),
        .signIn("POST", "/api-keys", APIKeysController.create),
        .signIn("DELETE", "/api-keys/:id", on: .apiKey, APIKeysController.delete),
    ]

    public static func makeRouter() -> Router { Router(endpoints: endpoints) }
}
