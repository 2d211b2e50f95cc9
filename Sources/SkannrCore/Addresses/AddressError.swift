// The one error type of address parsing and policy: a stable code plus a message for people.
// `validation_failed` = not a well-formed address; `target_not_allowed` = well-formed but refused.
public struct AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case invalid, notAllowed }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func invalid(_ message: String) -> AddressError { AddressError(.invalid, message) }

    /// The contract's error code: `validation_failed` or `target_not_allowed`.
    public var code: String { kind == .invalid ? "validation_failed" : "target_not_allowed" }
    public var description: String { message }
}
