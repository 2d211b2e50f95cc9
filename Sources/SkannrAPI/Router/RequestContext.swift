// What a handler receives. `AuthenticatedContext` can only be made by the application after the
// bearer token checked out, so a handler that takes one cannot forget the authentication check.

import Foundation
import Logging
import HTTPMessage

public struct RequestContext {
    public let request: APIRequest
    public let parameters: [String: String]
    public let services: Services
    /// The request's one instant, read from the clock once by the application: every check and
    /// write of a request (token expiry, rate-limit window, stored timestamps) sees the same time.
    public let now: Date

    /// A positive integer path parameter; anything else is a 404 (the object cannot exist).
    public func id(_ name: String = "id", of what: String) throws(APIError) -> Int64 {
        guard let value = parameters[name].flatMap(Int64.init(positiveID:)) else { throw APIError.notFound(what) }
        return value
    }

    public func body() throws(APIError) -> BodyReader { try BodyReader(body: request.body) }
}

extension Int64 {
    /// An id as it appears in a path or query: decimal digits of a value above 0 (no sign, no
    /// overflow). Shared by path parameters (404 otherwise) and query filters (400 otherwise).
    init?(positiveID text: String) {
        guard text.first != "+", let value = Int64(text), value > 0 else { return nil }
        self = value
    }
}

/// The caller behind a valid access token.
public struct Principal: Sendable, Equatable {
    public let accountID: Int64
    public let plan: String
    /// The login session (refresh-token family, hex) of the token; nil in tokens made before sessions were named.
    public let sessionID: String?
    /// The API key the caller presented (nil for an access token): RouteTable's `.signIn` routes refuse it.
    public let apiKeyID: Int64?

    public init(accountID: Int64, plan: String, sessionID: String? = nil, apiKeyID: Int64? = nil) {
        self.accountID = accountID
        self.plan = plan
        self.sessionID = sessionID
        self.apiKeyID = apiKeyID
    }
}

public struct AuthenticatedContext {
    public let base: RequestContext
    public let principal: Principal

    init(base: RequestContext, principal: Principal) {
        self.base = base
        self.principal = principal
    }

    public var accountID: Int64 { principal.accountID }
    public var request: APIRequest { base.request }
    public var services: Services { base.services }
    public var now: Date { base.now }
    public func id(_ name: String = "id", of what: String) throws(APIError) -> Int64 { try base.id(name, of: what) }
    public func body() throws(APIError) -> BodyReader { try base.body() }
}
