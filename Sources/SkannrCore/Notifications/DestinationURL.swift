// A webhook or Slack URL as the server accepts it: https (plain http only where private targets are
// allowed), a host, an optional port, no user:password. A numeric host is checked against the scan
// address policy at once; a name is resolved and checked at send time (DestinationGuard), because
// what it resolves to can change between creation and delivery.
import Foundation

public struct DestinationURL: Sendable, Equatable {
    public let text: String
    public let scheme: String
    /// The host as written, IPv6 without brackets.
    public let host: String
    public let port: Int
    /// The host is a numeric address (no name resolution needed).
    public let address: IPAddress?

    public static let maxLength = 2048

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        /// The URL is well formed but points where this server may not send (400 target_not_allowed).
        public let notAllowed: Bool
        public var description: String { message }
    }

    public static func parse(_ text: String, allowPrivate: Bool) throws(Problem) -> DestinationURL {
        guard text.utf8.count <= maxLength, !text.utf8.contains(where: { $0 <= 32 || $0 == 127 }),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let rawHost = components.host, !rawHost.isEmpty else {
            throw Problem(message: "must be an absolute URL", notAllowed: false)
        }
        guard scheme == "https" || (scheme == "http" && allowPrivate) else {
            throw Problem(message: allowPrivate ? "must be an http or https URL" : "must be an https URL", notAllowed: false)
        }
        guard components.user == nil, components.password == nil else {
            throw Problem(message: "must not contain a user name or password", notAllowed: false)
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw Problem(message: "has an invalid port", notAllowed: false) }
        let address = try? IPAddress.parse(host)
        if address == nil, host.contains(":") || host.contains("%") {
            throw Problem(message: "has an invalid host", notAllowed: false)
        }
        if let address, !AddressPolicy.isAllowed(numericAddress: address.description, allowPrivate: allowPrivate) {
            throw Problem(message: "points to \(address.restriction()?.phrase ?? "an address that is not allowed") (\(address))", notAllowed: true)
        }
        if address == nil, !allowPrivate, Self.isLocalName(host) {
            throw Problem(message: "points to a local name", notAllowed: true)
        }
        return DestinationURL(text: text, scheme: scheme, host: host, port: port, address: address)
    }

    /// Names that resolve locally whatever DNS says (the send-time check would refuse them anyway).
    static func isLocalName(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".local") || name.hasSuffix(".internal")
    }
}
