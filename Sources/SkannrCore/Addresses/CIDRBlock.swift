// A CIDR block (v4 /0-32, v6 /0-128). Decision: host bits set is REJECTED, not silently
// normalised ("10.0.0.1/24" -> error "host bits set; did you mean 10.0.0.0/24?"), so a user
// never monitors a different range than the one they typed.
public struct CIDRBlock: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Builds a block; throws when the prefix is out of range or host bits are set.
    public init(network: IPAddress, prefixLength: Int) throws(AddressError) {
        let bits = network.bitWidth
        guard (0...bits).contains(prefixLength) else {
            throw .invalid("the prefix length must be 0 to \(bits)")
        }
        let masked = network.masked(to: prefixLength)
        guard masked == network else {
            throw .invalid("host bits set; did you mean \(masked)/\(prefixLength)?")
        }
        self.network = network
        self.prefixLength = prefixLength
    }

    /// For literal tables: masks the network instead of checking it.
    init(unchecked network: IPAddress, prefixLength: Int) {
        self.network = network.masked(to: prefixLength)
        self.prefixLength = prefixLength
    }

    public static func parse(_ text: Substring) throws(AddressError) -> CIDRBlock {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalid("a CIDR range looks like 203.0.113.0/24") }
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              digits.count == 1 || digits.first != "0", let prefix = Int(digits) else {
            throw .invalid("the prefix length after '/' is a number without leading zeros")
        }
        let address: IPAddress = parts[0].contains(":")
            ? .v6(try IPv6Address.parse(parts[0])) : .v4(try IPv4Address.parse(parts[0]))
        return try CIDRBlock(network: address, prefixLength: prefix)
    }

    public static func parse(_ text: String) throws(AddressError) -> CIDRBlock {
        try parse(Substring(text))
    }

    public var description: String { "\(network)/\(prefixLength)" }

    public var isIPv6: Bool { if case .v6 = network { true } else { false } }

    /// Number of addresses in the block, saturating at `UInt64.max` for IPv6 prefixes shorter than /65.
    public var addressCount: UInt64 {
        let hostBits = network.bitWidth - prefixLength
        return hostBits >= 64 ? UInt64.max : UInt64(1) << UInt64(hostBits)
    }

    /// True when `address` lies inside this block (always false across address families).
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address) {
        case (.v4, .v4), (.v6, .v6): address.masked(to: prefixLength) == network
        default: false
        }
    }

    /// True when the two blocks share at least one address: one of them contains the other.
    public func overlaps(_ other: CIDRBlock) -> Bool {
        prefixLength <= other.prefixLength ? contains(other.network) : other.contains(network)
    }
}

extension IPAddress {
    var bitWidth: Int { if case .v4 = self { 32 } else { 128 } }

    /// The address with every bit after the first `prefix` bits cleared.
    func masked(to prefix: Int) -> IPAddress {
        switch self {
        case .v4(let a):
            let mask: UInt32 = prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)
            return .v4(IPv4Address(a.value & mask))
        case .v6(let a):
            let highMask: UInt64 = prefix >= 64 ? .max : (prefix == 0 ? 0 : .max << UInt64(64 - prefix))
            let lowMask: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? .max : .max << UInt64(128 - prefix))
            return .v6(IPv6Address(high: a.high & highMask, low: a.low & lowMask))
        }
    }
}
