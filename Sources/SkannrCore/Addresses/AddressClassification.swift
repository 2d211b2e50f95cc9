// Classifies numeric addresses and CIDR blocks against the special-purpose ranges. IPv6 forms
// that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the embedded IPv4 address.
extension IPAddress {
    /// Why this address may not be scanned, or nil for a public unicast address: the rule of the
    /// one-address block (/32 or /128), so addresses and ranges are judged by the same code.
    public func restriction() -> AddressRestriction? {
        CIDRBlock(unchecked: self, prefixLength: bitWidth).restriction()
    }

    static func shiftLeft(_ a: IPv6Address, by n: Int) -> IPv6Address {
        if n == 0 { return a }
        if n >= 128 { return IPv6Address(high: 0, low: 0) }
        if n >= 64 { return IPv6Address(high: a.low << UInt64(n - 64), low: 0) }
        return IPv6Address(high: a.high << UInt64(n) | a.low >> UInt64(64 - n), low: a.low << UInt64(n))
    }
}

extension CIDRBlock {
    /// The first restriction of any special-purpose range this block overlaps, or nil.
    public func restriction() -> AddressRestriction? {
        switch network {
        case .v4:
            return SpecialRanges.ipv4.first { $0.0.overlaps(self) }?.1
        case .v6(let a):
            for (range, offset) in SpecialRanges.embedding where range.overlaps(self) {
                guard prefixLength >= range.prefixLength else { return .reserved }
                let v4 = IPAddress.shiftLeft(a, by: offset)
                let v4Prefix = min(32, prefixLength - offset)
                let embedded = IPAddress.v4(IPv4Address(UInt32(truncatingIfNeeded: v4.high >> 32)))
                return CIDRBlock(unchecked: embedded, prefixLength: v4Prefix).restriction()
            }
            return SpecialRanges.ipv6.first { $0.0.overlaps(self) }?.1
        }
    }
}
