// MariaDB errors as client errors: a lost or refused connection is a 503 the client may retry,
// a deadlock or lock wait likewise; a duplicate key that a handler did not expect is a 409;
// everything else is a 500 whose details stay in the log.

import SkannrStore

enum DatabaseErrorMapping {
    static func apiError(for error: any Error) -> APIError {
        switch DatabaseFailure(error) {
        case .connectionLost?: return .databaseUnavailable
        case .deadlock?, .lockTimeout?: return retryable(APIError(.unavailable, "The request conflicted with another; try again"))
        case .duplicateKey?: return APIError(.conflict, "The request conflicts with existing data")
        case .other?, nil: return .internalError
        }
    }

    private static func retryable(_ error: APIError) -> APIError {
        var error = error
        error.headers = [("Retry-After", "1")]
        return error
    }
}
