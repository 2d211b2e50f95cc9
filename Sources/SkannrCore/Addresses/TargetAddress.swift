// What a user may enter as a target: an IP, a hostname or a CIDR range, parsed from trimmed text.
// `normalized` is the canonical text stored and compared for duplicates.
import Foundation

public enum TargetAddress: Hashable, Sendable {
    case ipv4(IPv4Address)
    case ipv6(IPv6Address)
    case domain(String)
    case cidr(CIDRBlock)

    /// Parses user input. Text with '/' is a CIDR range, with ':' an IPv6 address, made only of
    /// digits and dots an IPv4 address; anything else must be a valid hostname.
    public static func parse(_ raw: String) throws(AddressError) -> TargetAddress {
        let text = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        guard !text.isEmpty else { throw .invalid("an address is required") }
        guard text.utf8.count <= 300 else { throw .invalid("not an IP, domain or CIDR range") }
        if text.contains("/") { return .cidr(try CIDRBlock.parse(text)) }
        if text.contains(":") { return .ipv6(try IPv6Address.parse(text)) }
        if text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }) {
            return .ipv4(try IPv4Address.parse(text))
        }
        return .domain(try Hostname.normalize(text))
    }

    /// The contract's `type`: "ip", "domain" or "cidr".
    public var type: String {
        switch self {
        case .ipv4, .ipv6: "ip"
        case .domain: "domain"
        case .cidr: "cidr"
        }
    }

    public var normalized: String {
        switch self {
        case .ipv4(let a): a.description
        case .ipv6(let a): a.description
        case .domain(let name): name
        case .cidr(let block): block.description
        }
    }

    /// Addresses this target covers before name resolution: 1 for an IP or a domain.
    public var addressCount: UInt64 {
        if case .cidr(let block) = self { return block.addressCount }
        return 1
    }

    /// Why this target may not be scanned, or nil. Domains are judged by name only (special-use
    /// TLDs); the scanner checks each resolved address with `AddressPolicy.isAllowed`.
    public func restriction() -> AddressRestriction? {
        switch self {
        case .ipv4(let a): IPAddress.v4(a).restriction()
        case .ipv6(let a): IPAddress.v6(a).restriction()
        case .domain(let name): Hostname.restriction(of: name)
        case .cidr(let block): block.restriction()
        }
    }
}
