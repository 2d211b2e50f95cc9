// The key under which per-client limits count a client address: an IPv4 address as is, an IPv6
// address by its /64 (one host or subscriber usually holds a whole /64, so the full address would
// give it endless fresh counters). Matches nginx's `$skannr_client_key` map. Anything unparsable
// is kept verbatim (REMOTE_ADDR comes from nginx, so it should not happen).
public enum ClientAddressKey {
    public static func key(for address: String) -> String {
        guard let parsed = try? IPAddress.parse(address) else { return address }
        switch parsed {
        case .v4: return parsed.description
        case .v6(let v6):
            if let mapped = v6.ipv4Mapped { return mapped.description }
            return IPv6Address(high: v6.high, low: 0).description + "/64"
        }
    }
}
