// The one error type that reaches clients: a status, a stable `code`, a message for people and,
// for validation, the offending fields. Anything else thrown by a handler becomes a plain 500.
import HTTPMessage
import SkannrCore


public enum ErrorCode: String, Sendable {
    case badRequest = "bad_request"
    case validationFailed = "validation_failed"
    case unauthorized
    case invalidCredentials = "invalid_credentials"
    case mfaRequired = "mfa_required"
    case invalidMFACode = "invalid_mfa_code"
    case tokenExpired = "token_expired"
    case forbidden
    case planLimit = "plan_limit"
    case targetNotAllowed = "target_not_allowed"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case conflict
    case emailTaken = "email_taken"
    case scanInProgress = "scan_in_progress"
    case scanNotCompleted = "scan_not_completed"
    case payloadTooLarge = "payload_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case rateLimited = "rate_limited"
    case `internal`
    case unavailable

    /// The HTTP status that goes with the code unless the thrower says otherwise.
    public var defaultStatus: Int {
        switch self {
        case .badRequest, .validationFailed, .targetNotAllowed: 400
        case .unauthorized, .invalidCredentials, .mfaRequired, .invalidMFACode, .tokenExpired: 401
        case .forbidden, .planLimit: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict, .emailTaken, .scanInProgress, .scanNotCompleted: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .rateLimited: 429
        case .internal: 500
        case .unavailable: 503
        }
    }
}

public struct APIError: Error, Sendable {
    public let status: Int
    public let code: ErrorCode
    public let message: String
    public var fields: [String: String]?
    public var headers: [(name: String, value: String)] = []

    public init(_ code: ErrorCode, _ message: String, status: Int? = nil, fields: [String: String]? = nil) {
        self.code = code
        self.message = message
        self.status = status ?? code.defaultStatus
        self.fields = fields
    }

    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) not found") }

    /// A plan's refusal: 403 `plan_limit` with the message naming the limit and the plan.
    public init(_ refusal: PlanLimitError) { self.init(.planLimit, refusal.message) }

    public static func validation(_ fields: [String: String]) -> APIError {
        APIError(.validationFailed, "The request has invalid fields", fields: fields)
    }

    public static let internalError = APIError(.internal, "Internal server error")
    /// Whether the connect failed or a live connection was lost, the client may retry in a second.
    public static let databaseUnavailable: APIError = {
        var error = APIError(.unavailable, "The database is unavailable; try again shortly")
        error.headers = [("Retry-After", "1")]
        return error
    }()

    public func response() -> APIResponse {
        var body: [String: JSONOutput] = ["message": .string(message), "code": .string(code.rawValue)]
        if let fields { body["fields"] = .object(fields.mapValues { .string($0) }) }
        var response = APIResponse.json(status, body: JSONOutput.object(body).encoded())
        for header in headers { response.setHeader(header.name, header.value) }
        return response
    }
}
