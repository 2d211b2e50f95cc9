// The one error type of SkannrCrypto: a stable code plus the library's message.
// Messages never include key material or passwords.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidKey = "invalid_key"
        case authenticationFailed = "authentication_failed"
        case malformedInput = "malformed_input"
        case libraryFailure = "library_failure"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
