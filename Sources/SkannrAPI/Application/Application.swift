// The request pipeline of one responder: size and type checks, routing, identity, rate limit,
// the handler, error mapping, and one log line. Nothing thrown escapes as a crash: unknown
// errors are logged and become a plain 500. Speaks HTTPMessage's APIRequest/APIResponse, which
// the FastCGI responder builds and serialises (skannr-api wires the two).

import Foundation
import Logging
import SkannrStore
@_exported import HTTPMessage   // APIRequest/APIResponse: the API's clients (skannr-api, tests) see them

public final class Application {
    public static let basePath = "/api/v1"

    private let router: Router
    private let services: Services
    private let authenticator: (any Authenticating)?
    private let rateLimiter: (any RateLimiting)?

    public init(router: Router, services: Services, authenticator: (any Authenticating)?, rateLimiter: (any RateLimiting)?) {
        self.router = router
        self.services = services
        self.authenticator = authenticator
        self.rateLimiter = rateLimiter
    }

    public func handle(_ request: APIRequest) -> APIResponse {
        if MetricsEndpoint.isScrape(request) { return MetricsEndpoint.respond(services: services) }
        let started = DispatchTime.now().uptimeNanoseconds
        var trace = RequestTrace()
        var response = respond(to: request, trace: &trace)
        for header in trace.rateLimit?.headers ?? [] { response.setHeader(header.name, header.value) }
        response.setHeader("Cache-Control", "no-store")
        let nanoseconds = DispatchTime.now().uptimeNanoseconds - started
        services.metrics?.recordRequest(route: trace.route, status: response.status, seconds: Double(nanoseconds) / 1e9)
        let elapsed = Self.milliseconds(nanoseconds)
        services.logger.info("request", metadata: [
            "request_id": "\(request.requestID)", "method": "\(request.method)", "route": "\(trace.route)",
            "status": "\(response.status)", "duration_ms": "\(elapsed)",
            "account_id": "\(trace.principal.map { String($0.accountID) } ?? "-")",
        ])
        return response
    }

    private func respond(to request: APIRequest, trace: inout RequestTrace) -> APIResponse {
        do {
            return try dispatch(request, trace: &trace)
        } catch let error as APIError {
            return error.response()
        } catch {
            let mapped = DatabaseErrorMapping.apiError(for: error)
            if mapped.status >= 500 {
                services.logger.error("request failed", metadata: ["request_id": "\(request.requestID)", "error": "\(Self.logDescription(of: error))"])
            }
            return mapped.response()
        }
    }

    /// What the log may say of an unexpected error: the database's code and message, else only the error's
    /// type. A reflected value could carry whatever the error held (a token, a password).
    static func logDescription(of error: any Error) -> String {
        if let database = DatabaseFailure.logDescription(of: error) { return database }
        return String(reflecting: type(of: error))
    }

    /// The largest body any route takes (the responder reads no more).
    public var largestBodyBytes: Int {
        router.routes.compactMap(\.limits.maxBodyBytes).reduce(services.configuration.maxBodyBytes, max)
    }

    private func dispatch(_ request: APIRequest, trace: inout RequestTrace) throws -> APIResponse {
        let match = router.match(method: request.method, path: Self.apiPath(request.path) ?? "/\u{0}")
        var limits = RouteLimits()
        if case .found(let route, _) = match { limits = route.limits }
        let maxBodyBytes = limits.maxBodyBytes ?? services.configuration.maxBodyBytes
        if let length = request.header("content-length").flatMap(Int.init), length > maxBodyBytes {
            throw APIError(.payloadTooLarge, "The body is larger than \(maxBodyBytes) bytes")
        }
        let now = services.clock()
        var authError: APIError?
        if let token = Self.bearerToken(request) {
            do throws(APIError) {
                if APIKeys.looksLikeKey(token) {
                    trace.principal = try APIKeys.principal(forKey: token, services: services, now: now)
                } else if let authenticator {
                    trace.principal = try authenticator.principal(forAccessToken: token, now: now)
                }
            } catch { authError = error }
        }
        if case .found(let route, _) = match { trace.route = route.pattern }
        if let rateLimiter {
            let state = try limits.budget.map { try rateLimiter.consume(budget: $0, clientAddress: request.clientAddress, now: now, services: services) }
                ?? rateLimiter.consume(principal: trace.principal, clientAddress: request.clientAddress, now: now, services: services)
            trace.rateLimit = state
            if !state.allowed {
                var error = APIError(.rateLimited, "Too many requests; retry after the window resets")
                error.headers = [("Retry-After", "\(max(1, state.resetAt - Int64(now.timeIntervalSince1970)))")]
                throw error
            }
        }
        switch match {
        case .notFound:
            throw APIError(.notFound, "No such endpoint")
        case .methodNotAllowed(let allowed):
            var error = APIError(.methodNotAllowed, "Method \(request.method) is not allowed here")
            error.headers = [("Allow", allowed.joined(separator: ", "))]
            throw error
        case .found(let route, let parameters):
            try Self.checkContentType(request)
            let context = RequestContext(request: request, parameters: parameters, services: services, now: now)
            switch route.handler {
            case .open(let handler):
                return try handler(context)
            case .authenticated(let handler):
                guard let principal = trace.principal else {
                    throw authError ?? APIError(.unauthorized, "A bearer access token is required")
                }
                if principal.apiKeyID != nil, !route.keysAllowed {
                    throw APIError(.forbidden, "API keys cannot change credentials, MFA, API keys or billing; sign in")
                }
                return try handler(AuthenticatedContext(base: context, principal: principal))
            }
        }
    }

    /// "12.34" from nanoseconds, without String(format:) (Foundation's formatter showed in profiles).
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds + 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// The path below `/api/v1`, or nil for anything outside the API.
    static func apiPath(_ path: String) -> String? {
        guard path.hasPrefix(basePath) else { return nil }
        let rest = path.dropFirst(basePath.count)
        guard rest.isEmpty || rest.hasPrefix("/") else { return nil }
        return rest.isEmpty ? "/" : String(rest)
    }

    static func bearerToken(_ request: APIRequest) -> String? {
        // Index arithmetic on the UTF-8 view: Foundation's trimmingCharacters (NSString on Linux) was 8%
        // of an authenticated request, and a reversed().drop().reversed() chain copied the token one
        // Character at a time through generic code (28% in the next profile).
        guard let value = request.header("authorization") else { return nil }
        let bytes = value.utf8
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") { index = bytes.index(after: index) }
        guard bytes.distance(from: index, to: bytes.endIndex) > 7 else { return nil }
        for expected in "bearer".utf8 {
            guard bytes[index] | 0x20 == expected else { return nil }
            index = bytes.index(after: index)
        }
        guard bytes[index] == UInt8(ascii: " ") else { return nil }
        var start = bytes.index(after: index)
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") {
            start = bytes.index(after: start)
        }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] == UInt8(ascii: " ") || bytes[last] == UInt8(ascii: "\t") else { break }
            end = last
        }
        return start < end ? String(value[start..<end]) : nil
    }

    /// Write methods that carry a body must send JSON (415 otherwise).
    static func checkContentType(_ request: APIRequest) throws(APIError) {
        guard ["POST", "PUT", "PATCH", "DELETE"].contains(request.method), !request.body.isEmpty else { return }
        guard request.mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, "Request bodies must be application/json")
        }
    }
}

/// What the pipeline learned about a request, for its response headers and its log line.
struct RequestTrace {
    var route = "-"
    var principal: Principal?
    var rateLimit: RateLimitState?
}
