// Why a custom port list was refused; always a validation error (HTTP 400) with a message that
// names the offending item.
public struct PortListError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var code: String { "validation_failed" }
    public var description: String { message }
}
