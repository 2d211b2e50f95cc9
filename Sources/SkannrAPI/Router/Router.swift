// Routes by method and path pattern (`/targets/:id`). A path that exists with another method is
// a 405 with `Allow`, not a 404. Patterns are compared segment by segment; no regular expressions.
import HTTPMessage

public struct Router: Sendable {
    public enum Access: Sendable { case open, authenticated }

    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        let segments: [Segment]
        public let access: Access
        let handler: Handler
        public let limits: RouteLimits
        /// Whether an API key may call it (RouteTable's `.signIn` routes: no).
        public let keysAllowed: Bool
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    enum Handler: Sendable {
        case open(@Sendable (RequestContext) throws -> APIResponse)
        case authenticated(@Sendable (AuthenticatedContext) throws -> APIResponse)
    }

    public enum Match {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public private(set) var routes: [Route] = []

    public init() {}

    /// The router of a route table (RouteTable.endpoints in the application).
    public init(endpoints: [Endpoint]) {
        for endpoint in endpoints {
            add(endpoint.method, endpoint.path, endpoint.auth == .open ? .open : .authenticated, endpoint.handler,
                limits: endpoint.limits, keysAllowed: endpoint.auth != .signIn)
        }
    }

    public mutating func open(_ method: String, _ pattern: String, _ handler: @escaping @Sendable (RequestContext) throws -> APIResponse) {
        add(method, pattern, .open, .open(handler))
    }

    public mutating func authenticated(_ method: String, _ pattern: String, _ handler: @escaping @Sendable (AuthenticatedContext) throws -> APIResponse) {
        add(method, pattern, .authenticated, .authenticated(handler))
    }

    private mutating func add(_ method: String, _ pattern: String, _ access: Access, _ handler: Handler,
                              limits: RouteLimits = RouteLimits(), keysAllowed: Bool = true) {
        let segments = Self.split(pattern).map { $0.hasPrefix(":") ? Segment.parameter(String($0.dropFirst())) : .literal($0) }
        routes.append(Route(method: method, pattern: pattern, segments: segments, access: access, handler: handler,
                            limits: limits, keysAllowed: keysAllowed))
    }

    /// The route for a path is the most specific pattern that binds it (most literal segments):
    /// `/scans/trigger-all` is that resource, not scan "trigger-all", so GET on it is a 405 whose
    /// Allow lists only POST (schemathesis checks that Allow names exactly the resource's methods).
    public func match(method: String, path: String) -> Match {
        let parts = Self.split(path)
        var best = -1
        var candidates: [(Route, [String: String])] = []
        for route in routes {
            guard let parameters = Self.bind(route.segments, to: parts) else { continue }
            let literals = route.segments.count - parameters.count
            if literals > best { best = literals; candidates = [] }
            if literals == best { candidates.append((route, parameters)) }
        }
        if let (route, parameters) = candidates.first(where: { $0.0.method == method }) { return .found(route, parameters: parameters) }
        return candidates.isEmpty ? .notFound : .methodNotAllowed(allowed: candidates.map(\.0.method))
    }

    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func bind(_ segments: [Segment], to parts: [String]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal) where literal == part: continue
            case .literal: return nil
            case .parameter(let name): parameters[name] = part
            }
        }
        return parameters
    }
}

/// Limits a route sets apart from the API-wide ones: nil keeps the API's.
public struct RouteLimits: Sendable {
    public var maxBodyBytes: Int?
    public var budget: RouteBudget?

    public init(maxBodyBytes: Int? = nil, budget: RouteBudget? = nil) {
        self.maxBodyBytes = maxBodyBytes
        self.budget = budget
    }
}

/// A request budget of a route's own, counted per client IP apart from the caller's usual one.
public enum RouteBudget: String, Sendable {
    /// Stripe's webhook deliveries (SKANNR_RATE_LIMIT_STRIPE_WEBHOOK per minute and source IP).
    case stripeWebhook = "stripe"
}
