// The 16-byte ordering key of a scanned host (scan_hosts.host_key, port_results.host_key): IPv6
// as its 16 bytes, IPv4 mapped into ::ffff:0:0/96, so byte order = numeric order (10.0.0.2 <
// 10.0.0.10) and every IPv4 host sorts before global IPv6. The API and the scan-runner both use it.
public enum HostKey {
    /// The key of a numeric address ("10.0.0.2", "2001:db8::1", "::ffff:10.0.0.2" = "10.0.0.2").
    /// Text that is not a numeric address gives an empty array (callers must not store it).
    public static func bytes(for numericAddress: String) -> [UInt8] {
        guard let address = try? IPAddress.parse(numericAddress) else { return [] }
        return bytes(for: address)
    }

    public static func bytes(for address: IPAddress) -> [UInt8] {
        let v6: IPv6Address
        switch address {
        case .v4(let a): v6 = IPv6Address(high: 0, low: 0xffff_0000_0000 | UInt64(a.value))
        case .v6(let a): v6 = a
        }
        return (0..<8).map { UInt8(truncatingIfNeeded: v6.high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: v6.low >> (56 - 8 * UInt64($0))) }
    }

    /// The address a key stands for (IPv4-mapped keys give IPv4); nil unless exactly 16 bytes.
    public static func address(from key: [UInt8]) -> IPAddress? {
        guard key.count == 16 else { return nil }
        let high = key[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = key[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let v6 = IPv6Address(high: high, low: low)
        if let v4 = v6.ipv4Mapped { return .v4(v4) }
        return .v6(v6)
    }
}
