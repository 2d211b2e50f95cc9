// scan_hosts.host_key / port_results.host_key: the address as 16 bytes for ordering, IPv6 as is and
// IPv4 as ::ffff:a.b.c.d. Private to the runner until SkannrCore's HostKey.bytes(for:) lands on main
// (same encoding; switch to it then).
import SkannrCore

enum HostKeyBytes {
    static func bytes(for numericAddress: String) -> [UInt8]? {
        guard let address = try? IPAddress.parse(numericAddress) else { return nil }
        switch address {
        case .v4(let v4):
            return [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + v4.octets
        case .v6(let v6):
            return (0..<8).map { UInt8(truncatingIfNeeded: v6.high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: v6.low >> (56 - 8 * $0)) }
        }
    }
}
