// Why an address may not be scanned, and the table of special-purpose ranges (IANA IPv4/IPv6
// Special-Purpose Address Registries, RFC 6890 and successors). Order matters for the NAME given
// to an address (the most specific range is listed first); any overlap makes a CIDR restricted.
public enum AddressRestriction: String, Sendable, CaseIterable {
    case unspecified, loopback, `private`, linkLocal = "link_local", cgnat, multicast, broadcast
    case documentation, reserved

    /// Words for a message: "203.0.113.5 is a documentation address".
    public var phrase: String {
        switch self {
        case .unspecified: "an unspecified address"
        case .loopback: "a loopback address"
        case .private: "a private address"
        case .linkLocal: "a link-local address"
        case .cgnat: "a carrier-grade NAT (shared) address"
        case .multicast: "a multicast address"
        case .broadcast: "a broadcast address"
        case .documentation: "a documentation address"
        case .reserved: "a reserved address"
        }
    }
}

enum SpecialRanges {
    private static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ p: Int,
                           _ r: AddressRestriction) -> (CIDRBlock, AddressRestriction) {
        (CIDRBlock(unchecked: .v4(IPv4Address(a, b, c, d)), prefixLength: p), r)
    }

    private static func v6(_ high: UInt64, _ low: UInt64, _ p: Int,
                           _ r: AddressRestriction) -> (CIDRBlock, AddressRestriction) {
        (CIDRBlock(unchecked: .v6(IPv6Address(high: high, low: low)), prefixLength: p), r)
    }

    static let ipv4: [(CIDRBlock, AddressRestriction)] = [
        v4(0, 0, 0, 0, 32, .unspecified),
        v4(255, 255, 255, 255, 32, .broadcast),
        v4(0, 0, 0, 0, 8, .reserved),             // "this network" (RFC 791)
        v4(10, 0, 0, 0, 8, .private),             // RFC 1918
        v4(100, 64, 0, 0, 10, .cgnat),            // RFC 6598
        v4(127, 0, 0, 0, 8, .loopback),
        v4(169, 254, 0, 0, 16, .linkLocal),       // RFC 3927
        v4(172, 16, 0, 0, 12, .private),
        v4(192, 0, 0, 0, 24, .reserved),          // IETF protocol assignments (RFC 6890)
        v4(192, 0, 2, 0, 24, .documentation),     // TEST-NET-1 (RFC 5737)
        v4(192, 88, 99, 0, 24, .reserved),        // 6to4 relay anycast (RFC 7526, deprecated)
        v4(192, 168, 0, 0, 16, .private),
        v4(198, 18, 0, 0, 15, .reserved),         // benchmarking (RFC 2544)
        v4(198, 51, 100, 0, 24, .documentation),  // TEST-NET-2
        v4(203, 0, 113, 0, 24, .documentation),   // TEST-NET-3
        v4(224, 0, 0, 0, 4, .multicast),
        v4(240, 0, 0, 0, 4, .reserved),           // future use (RFC 1112)
    ]

    static let ipv6: [(CIDRBlock, AddressRestriction)] = [
        v6(0, 0, 128, .unspecified),
        v6(0, 1, 128, .loopback),
        v6(0, 0, 3, .reserved),                              // ::/3 is not global unicast (mapped: see below)
        v6(0x2001_0db8_0000_0000, 0, 32, .documentation),    // RFC 3849
        v6(0x2001_0000_0000_0000, 0, 23, .reserved),         // IETF protocol assignments (Teredo, benchmarking, ORCHID)
        v6(0x3fff_0000_0000_0000, 0, 20, .documentation),    // RFC 9637
        v6(0x4000_0000_0000_0000, 0, 2, .reserved),          // 4000::/2, unallocated
        v6(0x5f00_0000_0000_0000, 0, 16, .reserved),         // SRv6 SIDs (RFC 9602)
        v6(0xfc00_0000_0000_0000, 0, 7, .private),           // unique local (RFC 4193)
        v6(0xfe80_0000_0000_0000, 0, 10, .linkLocal),
        v6(0xfec0_0000_0000_0000, 0, 10, .reserved),         // deprecated site-local
        v6(0xff00_0000_0000_0000, 0, 8, .multicast),
        v6(0x8000_0000_0000_0000, 0, 1, .reserved),          // 8000::/1 outside 2000::/3, unallocated
    ]

    /// IPv6 ranges that carry an IPv4 address: (range, bit offset of the embedded IPv4 address).
    static let embedding: [(CIDRBlock, Int)] = [
        (v6(0, 0x0000_ffff_0000_0000, 96, .reserved).0, 96),          // ::ffff:0:0/96 IPv4-mapped
        (v6(0x0064_ff9b_0000_0000, 0, 96, .reserved).0, 96),          // 64:ff9b::/96 NAT64 (RFC 6052)
        (v6(0x2002_0000_0000_0000, 0, 16, .reserved).0, 16),          // 2002::/16 6to4 (RFC 3056)
    ]
}
