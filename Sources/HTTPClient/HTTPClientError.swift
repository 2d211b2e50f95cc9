// Errors of HTTPClient: curl's numeric code and message, or a request refused before sending.
// `isTimeout` and `isConnectFailure` let callers map Stripe outages to 502 without parsing text.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// curl's CURLcode, or `HTTPClientError.invalidRequestCode` for a request refused locally.
    public let code: Int
    public let message: String

    public static let invalidRequestCode = -1
    static let operationTimedOut = 28      // CURLE_OPERATION_TIMEDOUT
    static let couldNotConnect = 7         // CURLE_COULDNT_CONNECT
    static let couldNotResolve = 6         // CURLE_COULDNT_RESOLVE_HOST

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var isTimeout: Bool { code == Self.operationTimedOut }
    public var isConnectFailure: Bool { code == Self.couldNotConnect || code == Self.couldNotResolve }
    public var isInvalidRequest: Bool { code == Self.invalidRequestCode }

    public var description: String { "HTTPClientError(\(code)): \(message)" }
}
