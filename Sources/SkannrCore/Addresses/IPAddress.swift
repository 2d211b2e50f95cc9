// Either kind of numeric address, for code that handles both (CIDR hosts, policy checks on
// addresses the scanner resolved).
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses numeric text only (no hostnames): strict IPv4 or any IPv6 form without zone id.
    public static func parse(_ text: String) throws(AddressError) -> IPAddress {
        if text.contains(":") { return .v6(try IPv6Address.parse(text)) }
        return .v4(try IPv4Address.parse(text))
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }
}
