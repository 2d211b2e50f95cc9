// Why an access token was refused. Only `.expired` maps to the API code `token_expired`; every
// other reason is `unauthorized` (the reason is for logs and tests, never for the client).
public enum TokenError: Error, Sendable, Equatable {
    public enum Reason: String, Sendable {
        case malformed, algorithm, unknownKey, signature, claims, notYetValid, issuer, audience, type
    }

    case expired
    case invalid(Reason)

    public var apiCode: String { self == .expired ? "token_expired" : "unauthorized" }
}
