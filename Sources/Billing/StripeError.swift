// What can go wrong talking to Stripe. `unavailable` (no answer, timeout, 5xx, 429) is worth a
// retry later; `rejected` carries Stripe's own error object (type, message, param, code).

public enum StripeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stripe did not answer in time, could not be reached, or answered 5xx/429.
    case unavailable(String)
    /// Stripe answered 4xx with its error JSON `{"error": {"type", "message", "param", "code"}}`.
    case rejected(status: Int, type: String, message: String, param: String?, code: String?)
    /// Stripe answered 2xx with a body we could not read.
    case malformedResponse(String)
    /// Billing is not configured (no secret key, or no price for the plan).
    case notConfigured(String)

    /// Stripe's 400 for a Customer Portal session when no configuration is passed and the mode's
    /// default has never been saved in the dashboard (test mode starts that way).
    public var isPortalNotConfigured: Bool {
        guard case .rejected(400, _, let message, let param, _) = self else { return false }
        return param == "configuration" || message.lowercased().contains("default configuration")
    }

    public var description: String {
        switch self {
        case .unavailable(let detail): "Stripe unavailable: \(detail)"
        case .rejected(let status, let type, let message, let param, _):
            "Stripe rejected the request (\(status) \(type)\(param.map { ", param \($0)" } ?? "")): \(message)"
        case .malformedResponse(let detail): "Stripe answered with an unreadable body: \(detail)"
        case .notConfigured(let detail): "Billing is not configured: \(detail)"
        }
    }
}
